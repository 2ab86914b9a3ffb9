/* SPDX-License-Identifier: ISC */
/*
 * png.c - avow_png_from_svg(): a chart's SVG rasterised to PNG through
 * librsvg and cairo, for newsrooms whose systems take images only.
 *
 * Invariants (tests/cli/test_chart.sh, tests/unit/test_chart.c):
 *  1. The PNG has the pixel size the SVG's width and height attributes say
 *     (a chart from avow_chart_svg(): the canvas asked for).
 *  2. The SVG is read as data: librsvg is told to load nothing outside it
 *     (no base file, so no relative references resolve).
 *  3. On any failure out is left as it was.
 */
#include <cairo.h>
#include <librsvg/rsvg.h>

#include "util/common.h"

/* cairo's write callback: append to the avow_buf. */
static cairo_status_t
png_write(void *closure, const unsigned char *data, unsigned int length)
{
    return buf_put(closure, data, length) < 0 ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* The pixel size the document asks for (invariant 1). */
static int
png_size(int *w, int *h, RsvgHandle *handle)
{
    gdouble dw = 0, dh = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(handle, &dw, &dh) || dw < 1 || dh < 1 ||
        dw > 16384 || dh > 16384) {
        return error_set(AVOW_EINVALID, "png: the SVG has no pixel width and height");
    }
    *w = (int)(dw + 0.5);
    *h = (int)(dh + 0.5);
    return 0;
}

int
avow_png_from_svg(avow_buf *out, const unsigned char *svg, size_t len)
{
    GError *gerr = NULL;
    RsvgHandle *handle = NULL;
    cairo_surface_t *surface = NULL;
    cairo_t *cr = NULL;
    size_t start;
    int w = 0, h = 0, error;

    if (out == NULL || svg == NULL) {
        return error_set(AVOW_EINVALID, "avow_png_from_svg: no output or SVG");
    }
    start = out->len;
    if ((handle = rsvg_handle_new_from_data(svg, len, &gerr)) == NULL) {
        error = error_set(AVOW_EINVALID, "png: librsvg cannot read the SVG: %s",
                          gerr != NULL ? gerr->message : "unknown error");
        goto done;
    }
    if ((error = png_size(&w, &h, handle)) < 0) {
        goto done;
    }
    surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cr = cairo_create(surface);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        error = error_set(AVOW_ENOMEM, "png: cannot make a %dx%d image", w, h);
        goto done;
    }
    RsvgRectangle viewport = { 0, 0, (double)w, (double)h };
    if (!rsvg_handle_render_document(handle, cr, &viewport, &gerr)) {
        error = error_set(AVOW_EINVALID, "png: librsvg cannot draw the SVG: %s",
                          gerr != NULL ? gerr->message : "unknown error");
        goto done;
    }
    cairo_surface_flush(surface);
    if (cairo_surface_write_to_png_stream(surface, png_write, out) != CAIRO_STATUS_SUCCESS) {
        error = error_set(AVOW_ENOMEM, "png: cannot encode the image");
        goto done;
    }
    error = 0;
done:
    if (error < 0) {
        out->len = start; /* invariant 3 */
    }
    if (cr != NULL) {
        cairo_destroy(cr);
    }
    if (surface != NULL) {
        cairo_surface_destroy(surface);
    }
    if (handle != NULL) {
        g_object_unref(handle);
    }
    if (gerr != NULL) {
        g_error_free(gerr);
    }
    return error;
}
