/* version.c - maat_version(): the library's version, from the generated maat/version.h
 * (project(VERSION) in CMakeLists.txt). */
#include "maat/version.h"

const char *maat_version(void)
{
    return MAAT_VERSION_STRING;
}
