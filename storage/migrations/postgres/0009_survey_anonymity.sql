-- Whether PICs and the principal may see each person's answers to a survey (`/survei jawaban`): fixed on
-- the survey when it opens, shown to respondents before they answer, never changed for that survey
-- (issue 12). `/survei individu on|off` only sets the default for surveys opened afterwards.
-- Surveys that already exist keep the setting their community has now, as their fixed value.
ALTER TABLE surveys ADD COLUMN individual BIGINT NOT NULL DEFAULT 0;
UPDATE surveys SET individual = 1 WHERE community_id IN (
    SELECT id FROM communities WHERE (settings_json::jsonb -> 'survey_individual') IN ('1'::jsonb, 'true'::jsonb));

-- The figures a survey published when it closed (JSON: the headline and the published Likert answers,
-- without who gave them). Summaries, reports and trends read these, not a recomputation: answers erased
-- later (/hapusdataku) must not make a later figure differ from the published one by exactly their answers.
ALTER TABLE surveys ADD COLUMN published_json TEXT;
