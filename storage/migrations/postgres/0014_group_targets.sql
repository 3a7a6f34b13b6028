-- A cycle or a meeting series aimed at one working group (issue 15, `… kelompok <nama>`): only the group's
-- members count as its members (answer rates, reminders, RSVP, attendance) and only they answer a group
-- cycle's stages. Kept beside the cycle and the series, as survey_groups (0010) is beside the survey.
CREATE TABLE cycle_groups (
    cycle_id  BIGINT PRIMARY KEY REFERENCES cycles(id) ON DELETE CASCADE,
    group_id  BIGINT NOT NULL REFERENCES work_groups(id) ON DELETE CASCADE
);

CREATE TABLE series_groups (
    series_id BIGINT PRIMARY KEY REFERENCES meeting_series(id) ON DELETE CASCADE,
    group_id  BIGINT NOT NULL REFERENCES work_groups(id) ON DELETE CASCADE
);
