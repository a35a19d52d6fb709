/*
 * banned.h - C library functions lendgate does not call, made compile errors (the idea
 * of git's banned.h): a call such as strcpy(a, b) becomes the undeclared identifier
 * sorry_strcpy_is_banned_see_lendgate_banned_h.
 *
 *   strcpy, strcat, strncpy, strncat, sprintf, vsprintf, gets:
 *       no bound, or a bound that leaves the string unterminated; use snprintf (and
 *       check its result for truncation) or memcpy with a known length
 *   atoi, atol, atoll:
 *       no error report and undefined behaviour on overflow; use strtol/strtoull with
 *       an end pointer and errno, or the parsers of <lendgate/amount.h> and friends
 *
 * config.h includes it last (configure.ac, AH_BOTTOM), so every file that starts with
 * #include "config.h", as every file of src/ does, has it. The headers that declare
 * these functions are included here first: their declarations (and glibc's fortified
 * inline versions) are read before the macros exist, and including them again later is
 * a no-op. Test programs that want the functions on fixed strings define
 * LG_ALLOW_BANNED before including config.h.
 */
#ifndef LG_BANNED_H
#define LG_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LG_BANNED(func) sorry_##func##_is_banned_see_lendgate_banned_h

#undef strcpy
#define strcpy(...) LG_BANNED(strcpy)
#undef strcat
#define strcat(...) LG_BANNED(strcat)
#undef strncpy
#define strncpy(...) LG_BANNED(strncpy)
#undef strncat
#define strncat(...) LG_BANNED(strncat)
#undef sprintf
#define sprintf(...) LG_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) LG_BANNED(vsprintf)
#undef gets
#define gets(...) LG_BANNED(gets)
#undef atoi
#define atoi(...) LG_BANNED(atoi)
#undef atol
#define atol(...) LG_BANNED(atol)
#undef atoll
#define atoll(...) LG_BANNED(atoll)

#endif
