/* The poster's credentials for the api (issue 11): API_TOKEN_FILE or API_TOKEN, sent as
 * "Authorization: Bearer <token>" on the requests to the api only (screenshot PUTs and the
 * image claim checks under API_PUBLIC_URL), never to another host named in an event. */
#ifndef POSTER_API_AUTH_H
#define POSTER_API_AUTH_H

#include <curl/curl.h>

/* Loads the token (the file's first line wins over token; neither: no header) for requests
 * to api_base. Call once at start, before any thread. Returns 0, or -1 with errstr naming
 * the variable (an unreadable or empty API_TOKEN_FILE). */
int api_auth_load(const char *token, const char *token_file, const char *api_base, char *errstr,
                  size_t errstr_size) __attribute__((warn_unused_result));

/* Appends the Authorization header to headers when url is under the api's base URL and a
 * token is configured. Returns the list (curl_slist_append's; caller frees). Thread-safe
 * after api_auth_load. */
struct curl_slist *api_auth_header(struct curl_slist *headers, const char *url);

#endif
