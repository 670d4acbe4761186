#pragma once
// QCustomPlot's header uses Qt's `signals`/`slots`/`foreach` keywords, which the project turns off
// (QT_NO_KEYWORDS, because ATen uses `slots`). Map them for this header only. Never include
// this from a file that also includes LibTorch.
#ifndef signals
#define LORASTUDIO_DEFINED_SIGNALS
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#endif
#include <qcustomplot.h>
#ifdef LORASTUDIO_DEFINED_SIGNALS
#undef signals
#undef slots
#undef emit
#undef foreach
#undef LORASTUDIO_DEFINED_SIGNALS
#endif
