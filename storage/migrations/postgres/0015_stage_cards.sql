-- Issue 14: a cycle stage is one card in the group. A reply to the card ("2. …") is an answer; its prompt row
-- has question_key '*'. Headers posted before cards become cards too (their per-question prompts stay).
INSERT INTO cycle_prompts (chat_id, message_id, stage_id, question_key)
SELECT header_chat_id, header_message_id, id, '*' FROM cycle_stages
WHERE header_chat_id IS NOT NULL AND header_message_id IS NOT NULL
ON CONFLICT DO NOTHING;
