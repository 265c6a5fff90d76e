/* The eBay API driver in the poster's registry (driver.h): platform "ebay", kind "api", with
 * post, delist and update (ebay_ops.h). */
#ifndef POSTER_EBAY_PLATFORM_H
#define POSTER_EBAY_PLATFORM_H

#include "driver.h"
#include "ebay_config.h"

#define EBAY_PLATFORM "ebay"

/* Registers the eBay driver over cfg and env (both must outlive the registry). Registered
 * whether or not the app keys are set: a job then fails with auth_required and says what to
 * configure, instead of "no driver". Returns 0. */
int ebay_platform_register(driver_registry_t *reg, const ebay_config_t *cfg,
                           const driver_env_t *env) __attribute__((warn_unused_result));

#endif
