-- 0006_monitor_settings: the responder settings the api serves at /api/settings/responder
-- grow the inbox monitor's pacing and caps (sent to each account's monitor in
-- monitor.desired) and the model switch. Defaults are the original's pacing (active 3-5 s,
-- idle 9-11 s, a 60-120 s break every 75 cycles); NULL pacing/caps columns on a
-- per-listing row mean "as the global row".
ALTER TABLE responder_settings
    ADD COLUMN use_model          boolean,
    ADD COLUMN active_min_ms      integer CHECK (active_min_ms BETWEEN 100 AND 3600000),
    ADD COLUMN active_max_ms      integer CHECK (active_max_ms BETWEEN 100 AND 3600000),
    ADD COLUMN idle_min_ms        integer CHECK (idle_min_ms BETWEEN 100 AND 3600000),
    ADD COLUMN idle_max_ms        integer CHECK (idle_max_ms BETWEEN 100 AND 3600000),
    ADD COLUMN break_every_cycles integer CHECK (break_every_cycles BETWEEN 0 AND 1000000),
    ADD COLUMN break_min_ms       integer CHECK (break_min_ms BETWEEN 0 AND 86400000),
    ADD COLUMN break_max_ms       integer CHECK (break_max_ms BETWEEN 0 AND 86400000),
    ADD COLUMN max_sends_per_day  integer CHECK (max_sends_per_day BETWEEN 1 AND 100000),
    ADD COLUMN quiet_start        time,
    ADD COLUMN quiet_end          time,
    ADD CONSTRAINT responder_settings_active_range CHECK (active_min_ms <= active_max_ms),
    ADD CONSTRAINT responder_settings_idle_range CHECK (idle_min_ms <= idle_max_ms),
    ADD CONSTRAINT responder_settings_break_range CHECK (break_min_ms <= break_max_ms),
    ADD CONSTRAINT responder_settings_quiet_pair CHECK ((quiet_start IS NULL) = (quiet_end IS NULL));

-- The conversation list's "needs attention first" order and the stats' "sent today".
CREATE INDEX conversations_attention_idx ON conversations
    ((status = 'needs_attention') DESC, last_message_at DESC NULLS LAST, id DESC);
CREATE INDEX messages_sent_at_idx ON messages (sent_at) WHERE delivery = 'sent';
