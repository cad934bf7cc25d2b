-- The media plane (SPEC F-52).

-- The grant is what the media edge's publish check reads (through live.v1.authorize_publish):
-- it also holds the one publish that may ingest the live, under a lease the edge renews.
ALTER TABLE media_grants
    ADD COLUMN publish_id       text NOT NULL DEFAULT '',
    ADD COLUMN edge_id          text NOT NULL DEFAULT '',
    ADD COLUMN publish_seen_at  timestamptz;

-- The publish whose stream is on air now ('' when none), from media.v1.stream.* events.
ALTER TABLE lives ADD COLUMN stream_publish_id text NOT NULL DEFAULT '';

-- The pieces of a live's recording (one per publish), from media.v1.recording.finished.
CREATE TABLE recordings (
    live_id      text NOT NULL REFERENCES lives (id),
    publish_id   text NOT NULL,
    path         text NOT NULL,
    duration_ms  bigint NOT NULL,
    bytes        bigint NOT NULL,
    video_codec  text NOT NULL DEFAULT '',
    audio_codec  text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL,
    PRIMARY KEY (live_id, publish_id)
);

ALTER TABLE replays
    ADD COLUMN duration_ms    bigint NOT NULL DEFAULT 0,
    ADD COLUMN failure_reason text NOT NULL DEFAULT '';
