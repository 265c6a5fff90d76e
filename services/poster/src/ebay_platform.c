/* The eBay driver's entry points for the worker (see ebay_platform.h). */
#include "ebay_platform.h"

#include "ebay_driver.h"
#include "ebay_ops.h"

static ebay_job_t job_of(const driver_job_t *job)
{
    ebay_job_t j = {
        .job_id = job->job_id,
        .account_id = job->account_id,
        .deadline_ms = job->deadline_ms,
        .stop = job->stop,
        .log = job->log,
        .log_ctx = job->log_ctx,
    };
    return j;
}

static runner_status_t ebay_post(const driver_t *d, const driver_env_t *env,
                                 const driver_job_t *job, runner_result_t *res)
{
    (void)env;
    ebay_job_t j = job_of(job);
    return ebay_op_post(d->impl, &j, job->post, res);
}

static runner_status_t ebay_delist(const driver_t *d, const driver_env_t *env,
                                   const driver_job_t *job, runner_result_t *res)
{
    (void)env;
    ebay_job_t j = job_of(job);
    return ebay_op_delist(d->impl, &j, job->delist, res);
}

static runner_status_t ebay_update(const driver_t *d, const driver_env_t *env,
                                   const driver_job_t *job, runner_result_t *res)
{
    (void)env;
    ebay_job_t j = job_of(job);
    return ebay_op_update(d->impl, &j, job->update, res);
}

int ebay_platform_register(driver_registry_t *reg, const ebay_config_t *cfg,
                           const driver_env_t *env)
{
    ebay_driver_t *drv = ebay_driver_new(cfg, env->profile_root, env->work_dir, env->image_retries);
    return driver_registry_add(reg, EBAY_PLATFORM, "api", ebay_post, ebay_delist, ebay_update, drv,
                               ebay_driver_free);
}
