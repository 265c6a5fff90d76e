-- 0007_events_notify: live updates for the dashboard. Row triggers send a small JSON object on
-- channel 'bb_events' at commit, whoever wrote the row (request handlers, the event applier,
-- the reply sweeper); the api's SSE feed (services/api/src/sse/feed.c) LISTENs and streams
-- them as GET /api/events. The payload names the row, never its content: clients refetch.
-- PostgreSQL folds identical notifications of one transaction into one.
--
-- bb_events_notify(type, field...): each field is a column name or "key=column"; the payload
-- is {"type": type, "op": "insert"|"update"|"delete", key: value...}.
CREATE FUNCTION bb_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    payload jsonb;
    arg text;
    i integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := to_jsonb(OLD);
    ELSE
        r := to_jsonb(NEW);
    END IF;
    payload := jsonb_build_object('type', TG_ARGV[0], 'op', lower(TG_OP));
    FOR i IN 1 .. TG_NARGS - 1 LOOP
        arg := TG_ARGV[i];
        IF position('=' IN arg) > 0 THEN
            payload := payload || jsonb_build_object(split_part(arg, '=', 1),
                                                     r -> split_part(arg, '=', 2));
        ELSE
            payload := payload || jsonb_build_object(arg, r -> arg);
        END IF;
    END LOOP;
    PERFORM pg_notify('bb_events', payload::text);
    RETURN NULL;
END $$;

CREATE TRIGGER listings_events AFTER INSERT OR UPDATE OR DELETE ON listings
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('listing', 'id', 'status');
CREATE TRIGGER listing_images_events AFTER INSERT OR UPDATE OR DELETE ON listing_images
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('listing_images', 'listing_id');
CREATE TRIGGER posting_jobs_events AFTER INSERT OR UPDATE OR DELETE ON posting_jobs
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('job', 'id', 'listing_id', 'platform',
                                                   'status', 'attempt');
CREATE TRIGGER job_logs_events AFTER INSERT ON job_logs
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('job_log', 'id', 'job_id', 'level');
CREATE TRIGGER conversations_events AFTER INSERT OR UPDATE OR DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('conversation', 'id', 'status', 'listing_id',
                                                   'account_id');
CREATE TRIGGER messages_events AFTER INSERT OR UPDATE OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('message', 'id', 'conversation_id', 'role',
                                                   'delivery');
CREATE TRIGGER marketplace_accounts_events AFTER INSERT OR UPDATE OR DELETE ON marketplace_accounts
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('account', 'id', 'login_state',
                                                   'monitor_running', 'monitoring');
