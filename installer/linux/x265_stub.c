/* Stand-in for x265 (the HEVC *encoder*) in the Linux bundle.
 *
 * pillow-heif's libheif links x265 only to *write* HEIC; pemdesk only *reads* HEIC photos (with
 * libde265). These two entry points are all libheif imports from x265; returning no encoder API
 * makes libheif report "no HEVC encoder" while decoding is unaffected. This saves ~20 MB and keeps
 * the GPL-2.0 encoder out of the bundle. Built by installer/pemdesk.spec with the C compiler when
 * one is present; otherwise the real library is shipped.
 */
#include <stddef.h>

const void *x265_api_get_217(int bit_depth) {
    (void)bit_depth;
    return NULL;
}

void x265_cleanup(void) {}
