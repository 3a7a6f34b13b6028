"""Reports' pure code: periods, the one definition per figure, recognition (thanks), charts, exports (PDF, DOCX, XLSX)."""
