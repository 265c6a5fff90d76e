-- 0008_settings_notify: the responder's settings (tone, model, auto-reply, pacing and caps)
-- announce their changes on 'bb_events' like the rows of 0007, so that a dashboard tab open on
-- Settings (frontend/src/lib/live.ts: event "settings" revalidates /api/settings) shows what
-- another tab or a script saved. Global row: listing_id null; per-listing overrides carry
-- their listing.
CREATE TRIGGER responder_settings_events AFTER INSERT OR UPDATE OR DELETE ON responder_settings
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('settings', 'id', 'listing_id');
