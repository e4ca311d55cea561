/* libhcode — signed health codes and venue codes.
 * The public API. Backend authors also include <hcode/sys/store.h>. */
#ifndef HCODE_H
#define HCODE_H

#include "hcode/common.h"
#include "hcode/keys.h"
#include "hcode/code.h"
#include "hcode/trustlist.h"
#include "hcode/present.h"
#include "hcode/store.h"
#include "hcode/policy.h"
#include "hcode/checkin.h"
#include "hcode/trace.h"
#include "hcode/audit.h"
#include "hcode/qr.h"
#include "hcode/outbox.h"
#include "hcode/import.h"

#endif
