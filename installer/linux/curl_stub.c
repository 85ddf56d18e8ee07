/* Stand-in for libcurl in the Linux bundle (pyproj's PROJ links it for *network* grids).
 *
 * PROJ calls libcurl only when its network access is switched on (PROJ_NETWORK=ON or
 * pyproj.network.set_network_enabled), which pemdesk never does: it works offline and uses the
 * grids and database shipped in the wheel. These five entry points are all PROJ imports from
 * libcurl; curl_easy_init() returning NULL makes PROJ report that the network is unavailable.
 * This saves ~6 MB (libcurl and its HTTP/2 library). Built by installer/pemdesk.spec with the C
 * compiler when one is present; otherwise the real library is shipped.
 */
#include <stddef.h>

#define CURLE_FAILED_INIT 2

void *curl_easy_init(void) { return NULL; }

void curl_easy_cleanup(void *handle) { (void)handle; }

int curl_easy_setopt(void *handle, int option, ...) {
    (void)handle;
    (void)option;
    return CURLE_FAILED_INIT;
}

int curl_easy_perform(void *handle) {
    (void)handle;
    return CURLE_FAILED_INIT;
}

int curl_easy_getinfo(void *handle, int info, ...) {
    (void)handle;
    (void)info;
    return CURLE_FAILED_INIT;
}
