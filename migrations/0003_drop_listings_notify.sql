-- 0003_drop_listings_notify: nothing listens on 'listings_changed' any more. The api's
-- listing cache is invalidated by its own commands after their commit and otherwise lives at
-- most LISTING_CACHE_TTL_MS (services/api/src/listing_cache.h), so the triggers of 0002 only
-- cost a NOTIFY per write.
DROP TRIGGER listing_images_notify ON listing_images;
DROP TRIGGER listings_notify ON listings;
DROP FUNCTION bb_listings_notify();
