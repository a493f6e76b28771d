#ifndef CPNGREADER_H
#define CPNGREADER_H

#include <stddef.h>
#include <stdint.h>

/// A decoded PNG in its file's own sample layout: no gamma, no palette expansion, no bit-depth scaling.
/// Samples narrower than a byte are unpacked to one byte each; 16-bit samples are host-order uint16.
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;       /* 1, 2, 4, 8 or 16, as stored */
    int color_type;      /* 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
    int channels;        /* samples per pixel in `pixels` */
    uint8_t *pixels;     /* height rows of width*channels samples (bytes per sample: 1, or 2 for 16-bit) */
    size_t pixels_size;
    uint8_t palette[256 * 3];
    int palette_count;
    int has_trns;        /* a tRNS chunk was present */
    uint8_t trns_alpha[256]; /* palette alphas (colour type 3) */
    int trns_count;
    uint16_t trns_gray, trns_red, trns_green, trns_blue; /* colour key (types 0 and 2), as stored */
    uint8_t *exif;       /* eXIf chunk payload, or NULL */
    size_t exif_size;
    char *xmp;           /* iTXt "XML:com.adobe.xmp", or NULL */
    char *raw_exif_text; /* tEXt/zTXt "Raw profile type exif", or NULL */
    char message[256];   /* why decoding failed */
} cpng_image;

/// Decodes `data`; returns 0 on success, -1 on failure (reason in `out->message`).
/// Refuses images of more than `max_pixels` pixels before allocating their rows.
int cpng_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cpng_image *out);

/// Frees the buffers owned by `image`.
void cpng_free(cpng_image *image);

#endif
