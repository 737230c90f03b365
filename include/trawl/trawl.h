/* trawl/trawl.h — the whole SDK. Plugins and embedders include this (or single headers). */
#ifndef TRAWL_TRAWL_H
#define TRAWL_TRAWL_H
#include "common.h"
#include "buf.h"
#include "field.h"
#include "packet.h"
#include "dissect.h"
#include "flow.h"
#include "defrag.h"
#include "record.h"
#include "exchange.h"
#include "secrets.h"
#include "analyzer.h"
#include "plugin.h"
#include "sink.h"
#include "logdir.h"
#include "engine.h"
#include "testing.h"
#endif
