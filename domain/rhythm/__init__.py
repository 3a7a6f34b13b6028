"""The rhythm feature's pure code: series and occurrences, the school calendar, reminders, learning hours, durations."""
