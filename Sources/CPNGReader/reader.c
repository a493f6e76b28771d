// libpng signals errors by longjmp; this file holds the only setjmp so Swift never sees a jump.
#include "CPNGReader.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} source;

static void read_bytes(png_structp png, png_bytep dst, png_size_t count) {
    source *src = (source *)png_get_io_ptr(png);
    if (count > src->size - src->offset) {
        png_error(png, "unexpected end of file (truncated PNG)");
    }
    memcpy(dst, src->data + src->offset, count);
    src->offset += count;
}

static void on_error(png_structp png, png_const_charp msg) {
    cpng_image *out = (cpng_image *)png_get_error_ptr(png);
    strncpy(out->message, msg ? msg : "libpng error", sizeof(out->message) - 1);
    out->message[sizeof(out->message) - 1] = 0;
    png_longjmp(png, 1);
}

// Warnings (bad ancillary CRC, odd profiles) do not stop Pillow either; stay quiet.
static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static char *copy_text(const png_textp text) {
    size_t n = text->itxt_length ? text->itxt_length : text->text_length;
    char *s = (char *)malloc(n + 1);
    if (s) {
        memcpy(s, text->text, n);
        s[n] = 0;
    }
    return s;
}

static void collect_metadata(png_structp png, png_infop info, cpng_image *out) {
    png_bytep exif = NULL;
    png_uint_32 exif_size = 0;
    if (!out->exif && png_get_eXIf_1(png, info, &exif_size, &exif) && exif && exif_size > 0) {
        out->exif = (uint8_t *)malloc(exif_size);
        if (out->exif) {
            memcpy(out->exif, exif, exif_size);
            out->exif_size = exif_size;
        }
    }
    png_textp texts = NULL;
    int count = 0;
    if (png_get_text(png, info, &texts, &count) > 0) {
        for (int i = 0; i < count; i++) {
            if (!texts[i].key || !texts[i].text) continue;
            if (!out->xmp && strcmp(texts[i].key, "XML:com.adobe.xmp") == 0) {
                out->xmp = copy_text(&texts[i]);
            } else if (!out->raw_exif_text && strcmp(texts[i].key, "Raw profile type exif") == 0) {
                out->raw_exif_text = copy_text(&texts[i]);
            }
        }
    }
}

int cpng_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cpng_image *out) {
    memset(out, 0, sizeof(*out));
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        strcpy(out->message, "not a PNG file");
        return -1;
    }
    source src = {data, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, out, on_error, on_warning);
    if (!png) {
        strcpy(out->message, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    png_infop end_info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    volatile int image_complete = 0;
    if (!info || !end_info) {
        png_destroy_read_struct(&png, info ? &info : NULL, end_info ? &end_info : NULL);
        strcpy(out->message, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, &end_info);
        // Pillow stops reading at the end of the image data, so damage after it (a missing IEND,
        // a bad trailing chunk) does not fail the image.
        if (image_complete) {
            out->message[0] = 0;
            return 0;
        }
        cpng_free(out);
        return -1;
    }
    png_set_read_fn(png, &src, read_bytes);
    // CRCs as Pillow treats them: every chunk before the image data must check out (Pillow raises
    // "broken PNG file"), IDAT CRCs are never checked, and chunks after the image data are read
    // without checks. libpng's default would only warn on ancillary chunks and fail on IDAT.
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_malloc_max(png, 64u << 20);
    png_read_info(png, info);
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->width = width;
    out->height = height;
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        snprintf(out->message, sizeof(out->message),
                 "image of %ux%u pixels exceeds the limit of %llu pixels", width, height,
                 (unsigned long long)max_pixels);
        png_longjmp(png, 1);
    }
    out->bit_depth = bit_depth;
    out->color_type = color_type;

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_colorp palette = NULL;
        int count = 0;
        if (png_get_PLTE(png, info, &palette, &count) && palette) {
            if (count > 256) count = 256;
            for (int i = 0; i < count; i++) {
                out->palette[3 * i] = palette[i].red;
                out->palette[3 * i + 1] = palette[i].green;
                out->palette[3 * i + 2] = palette[i].blue;
            }
            out->palette_count = count;
        }
    }
    png_bytep trans_alpha = NULL;
    int num_trans = 0;
    png_color_16p trans_color = NULL;
    if (png_get_tRNS(png, info, &trans_alpha, &num_trans, &trans_color)) {
        out->has_trns = 1;
        if (trans_alpha && num_trans > 0) {
            if (num_trans > 256) num_trans = 256;
            memcpy(out->trns_alpha, trans_alpha, (size_t)num_trans);
            out->trns_count = num_trans;
        }
        if (trans_color) {
            out->trns_gray = trans_color->gray;
            out->trns_red = trans_color->red;
            out->trns_green = trans_color->green;
            out->trns_blue = trans_color->blue;
        }
    }
    if (bit_depth < 8) png_set_packing(png);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    out->channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    out->pixels_size = rowbytes * height;
    out->pixels = (uint8_t *)malloc(out->pixels_size ? out->pixels_size : 1);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (height ? height : 1));
    if (!out->pixels || !rows) {
        strcpy(out->message, "out of memory");
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = out->pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    collect_metadata(png, info, out);
    image_complete = 1;
    png_read_end(png, end_info);
    collect_metadata(png, end_info, out);

    free(rows);
    png_destroy_read_struct(&png, &info, &end_info);
    return 0;
}

void cpng_free(cpng_image *image) {
    free(image->pixels);
    free(image->exif);
    free(image->xmp);
    free(image->raw_exif_text);
    image->pixels = NULL;
    image->exif = NULL;
    image->xmp = NULL;
    image->raw_exif_text = NULL;
}
