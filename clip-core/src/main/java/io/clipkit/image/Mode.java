package io.clipkit.image;

/**
 * The PIL image mode a decoded image has in the reference pipeline. It decides how Pillow resizes
 * it (NEAREST for palette and bilevel, premultiplied for RGBA/LA, 32-bit for I) and how it is
 * converted to RGB afterwards.
 */
enum Mode {
    /** 8-bit gray. */
    L(1),
    /** Gray + alpha: resized premultiplied. */
    LA(2),
    RGB(3),
    /** Resized premultiplied; alpha dropped (not composited) when converted to RGB. */
    RGBA(4),
    /** Adobe-style CMYK (0 = no ink), converted with Pillow's formula. */
    CMYK(4),
    /** Palette image, stored here already expanded to RGB; resized with NEAREST. */
    P(3),
    /** Bilevel ("1"), stored as 0/255; resized with NEAREST. */
    BILEVEL(1),
    /** 32-bit integer gray (16-bit PNG): resized in double precision, clipped to 0..255 for RGB. */
    I(1);

    final int channels;

    Mode(int channels) {
        this.channels = channels;
    }

    boolean nearest() {
        return this == P || this == BILEVEL;
    }

    boolean premultiplied() {
        return this == RGBA || this == LA;
    }
}
