/* The api binary's command line for the owner and tokens (`byebuy-api token create`,
 * `byebuy-api owner set-password`, `byebuy-api owner setup-link`): run against DATABASE_URL
 * after migrating, without starting the service. */
#ifndef API_AUTH_CLI_H
#define API_AUTH_CLI_H

#include <stdbool.h>

/* Whether argv names one of the commands (argv[1] is "token" or "owner"). */
bool auth_cli_wanted(int argc, char **argv);

/* Runs the command; returns the process exit status (0 done, 1 failed, 2 usage). */
int auth_cli_main(int argc, char **argv);

#endif
