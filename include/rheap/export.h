/* SPDX-License-Identifier: MIT */
/* Attribute macros shared by the public headers. */
#ifndef RHEAP_EXPORT_H
#define RHEAP_EXPORT_H

#if defined(__GNUC__)
/* Marks a definition as part of the ABI; everything else is hidden. */
#define RH_EXPORT __attribute__((visibility("default")))
#define RH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define RH_MUST_CHECK __attribute__((warn_unused_result))
#else
#define RH_EXPORT
#define RH_PRINTF(fmt, args)
#define RH_MUST_CHECK
#endif

#ifdef __cplusplus
#define RH_BEGIN_DECLS extern "C" {
#define RH_END_DECLS }
#else
#define RH_BEGIN_DECLS
#define RH_END_DECLS
#endif

#endif /* RHEAP_EXPORT_H */
