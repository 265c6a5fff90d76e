/* The eBay driver's three operations on one seller account (external-apis.md §4.4, §4.5):
 * post (photos through the Media API, inventory item, the SKU's one offer, publish), delist
 * (withdraw the SKU's offer) and update (a price change edits the offer; other edits replace
 * the inventory item and the offer). Each fills res (free with runner_result_free) and returns
 * its status; RUNNER_INTERRUPTED means shutdown (nothing final may be published). All are
 * idempotent: a redelivered job finds the SKU's offer and does not create a second one.
 * Thread-safe. */
#ifndef POSTER_EBAY_OPS_H
#define POSTER_EBAY_OPS_H

#include "common/event.h"
#include "browser/runner.h"
#include "ebay_driver.h"

runner_status_t ebay_op_post(ebay_driver_t *d, const ebay_job_t *job,
                             const posting_requested_t *req, runner_result_t *res);

runner_status_t ebay_op_delist(ebay_driver_t *d, const ebay_job_t *job,
                               const delisting_requested_t *req, runner_result_t *res);

runner_status_t ebay_op_update(ebay_driver_t *d, const ebay_job_t *job,
                               const update_requested_t *req, runner_result_t *res);

#endif
