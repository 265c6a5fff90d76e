-- 0002_listings_notify: announce listing changes on channel 'listings_changed' so every api
-- instance drops its cached GET /api/listings pages (services/api/src/listing_cache.c),
-- whoever wrote the change. One notification per statement; PostgreSQL folds identical
-- notifications of one transaction into one.
CREATE FUNCTION bb_listings_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('listings_changed', '');
    RETURN NULL;
END $$;

CREATE TRIGGER listings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON listings
    FOR EACH STATEMENT EXECUTE FUNCTION bb_listings_notify();
CREATE TRIGGER listing_images_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON listing_images
    FOR EACH STATEMENT EXECUTE FUNCTION bb_listings_notify();
