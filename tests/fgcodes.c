/* Signed codes rendered at one pixel per module, for the frame generator. */
#include "framegen.h"
#include "qr-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fg_codes_make(hcode_ctx *ctx, int n, int64_t at, fg_code *out)
{
    hcode_keypair *kp = NULL;
    int rc = hcode_keypair_generate(&kp, "CN-370100");
    if (rc)
        return rc;
    if ((rc = hcode_trust_add_keypair(ctx, kp)) != 0) {
        hcode_keypair_free(kp);
        return rc;
    }
    memset(out, 0, (size_t)n * sizeof *out);
    for (int i = 0; i < n && !rc; i++) {
        char subject[32], vid[32];
        snprintf(subject, sizeof subject, "37010219900307%04d", i);
        snprintf(vid, sizeof vid, "370102-%06d", i);
        if (i % 4 == 3)
            rc = hcode_issue_venue(ctx, kp, vid, "Quancheng Square Mall", NULL, "mall", at, 0,
                                   &out[i].payload);
        else
            rc = hcode_issue_person(ctx, kp, subject, i % 3, at, 0, i % 2 ? "Zhang*" : NULL, 0,
                                    NULL, &out[i].payload);
        if (rc)
            break;
        uint8_t *png = NULL;
        size_t len = 0;
        rc = hcode_qr_render(ctx, out[i].payload, strlen(out[i].payload), HCODE_QR_PNG, 1, -1,
                             &png, &len);
        if (rc)
            break;
        hcode__gray g;
        rc = hcode__image_decode(ctx, png, len, &g);
        hcode_free(png);
        if (rc)
            break;
        out[i].img = g.px;
        out[i].cw = g.width;
    }
    hcode_keypair_free(kp);
    if (rc)
        fg_codes_free(out, n);
    return rc;
}

void fg_codes_free(fg_code *codes, int n)
{
    for (int i = 0; i < n; i++) {
        hcode_free(codes[i].payload);
        free(codes[i].img);
        codes[i].payload = NULL;
        codes[i].img = NULL;
    }
}
