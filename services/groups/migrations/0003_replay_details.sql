-- A live card carries its replay's VOD once it is ready (SPEC F-27, F-52).
ALTER TABLE card_subjects
    ADD COLUMN replay_url              text,
    ADD COLUMN replay_duration_seconds bigint;
