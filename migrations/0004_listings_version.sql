-- 0004_listings_version: a version per listing that every change of what GET /api/listings
-- shows of it raises (its own columns, or any of its images added, changed or removed), so
-- the api can keep each listing's rendered JSON keyed by (id, version) and validate it
-- against PostgreSQL on every request (services/api/src/listing_cache.h). The values come
-- from one global sequence: a version is never given twice, not even to a listing that was
-- deleted, so an old rendering can never match a newer row.
CREATE SEQUENCE listings_version_seq;

ALTER TABLE listings ADD COLUMN version bigint NOT NULL DEFAULT nextval('listings_version_seq');

-- Replaces bb_touch_updated_at on listings: every update takes a new version; updated_at
-- moves only when the listing itself was written, not when its images' trigger below merely
-- raised the version (that trigger sets version, nothing else), as GET shows updated_at and
-- image changes never moved it.
CREATE FUNCTION bb_listings_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version IS NOT DISTINCT FROM OLD.version THEN
        NEW.updated_at := now();
    END IF;
    NEW.version := nextval('listings_version_seq');
    RETURN NEW;
END $$;

DROP TRIGGER listings_touch ON listings;
CREATE TRIGGER listings_touch BEFORE UPDATE ON listings
    FOR EACH ROW EXECUTE FUNCTION bb_listings_touch();

-- Raises the version of the listings whose images a statement changed: once per listing and
-- statement (a reorder updates every image of a listing), through the transition tables. A
-- listing deleted in the same statement (the cascade) is simply not found.
CREATE FUNCTION bb_listing_images_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE listings SET version = -1 WHERE id IN (SELECT listing_id FROM new_images);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE listings SET version = -1 WHERE id IN (SELECT listing_id FROM old_images);
    ELSE
        UPDATE listings SET version = -1
            WHERE id IN (SELECT listing_id FROM old_images UNION SELECT listing_id FROM new_images);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER listing_images_insert_touch AFTER INSERT ON listing_images
    REFERENCING NEW TABLE AS new_images
    FOR EACH STATEMENT EXECUTE FUNCTION bb_listing_images_touch();
CREATE TRIGGER listing_images_delete_touch AFTER DELETE ON listing_images
    REFERENCING OLD TABLE AS old_images
    FOR EACH STATEMENT EXECUTE FUNCTION bb_listing_images_touch();
CREATE TRIGGER listing_images_update_touch AFTER UPDATE ON listing_images
    REFERENCING OLD TABLE AS old_images NEW TABLE AS new_images
    FOR EACH STATEMENT EXECUTE FUNCTION bb_listing_images_touch();
