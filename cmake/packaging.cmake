# packaging.cmake - libmaat as an installed shared library, `cmake --install` rules (programs,
# headers, maat.pc, man pages, bash completion, the systemd unit, /etc/maat/maatd.conf) and
# the Debian package (CPack DEB). Included at the end of CMakeLists.txt.
include(GNUInstallDirs)

# The version lives in one place: project(VERSION) in CMakeLists.txt.
set(MAAT_SOVERSION ${PROJECT_VERSION_MAJOR})
configure_file(${CMAKE_SOURCE_DIR}/packaging/version.h.in
               ${CMAKE_BINARY_DIR}/include/maat/version.h @ONLY)
# The programs (maat, maatd) and libmaat's maat_version() print MAAT_VERSION_STRING.
target_include_directories(maat PUBLIC ${CMAKE_BINARY_DIR}/include)

# libmaat.so: the objects of the static `maat` target (compiled position-independent), linked
# with a version script that exports exactly what the installed headers declare
# (include/maat/*.h and the generated maat/version.h): packaging/gen-export-map.py writes it
# at build time from the preprocessed headers. maat_* functions of the internal headers
# (src/include/maat, src/lib), `maat__*` internals and the other non-static helpers (cj_*,
# pol_*) stay local; --no-undefined-version makes a public declaration without a definition
# in libmaat a link error. Not in libFuzzer builds (MAAT_FUZZ), which link only the harnesses.
if(NOT MAAT_FUZZ)
  file(GLOB MAAT_PUBLIC_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/include/maat/*.h)
  list(APPEND MAAT_PUBLIC_HEADERS ${CMAKE_BINARY_DIR}/include/maat/version.h)
  set(MAAT_EXPORT_MAP ${CMAKE_BINARY_DIR}/packaging/libmaat.map)
  add_custom_command(
    OUTPUT ${MAAT_EXPORT_MAP} ${CMAKE_BINARY_DIR}/packaging/libmaat.exports
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
    COMMAND python3 ${CMAKE_SOURCE_DIR}/packaging/gen-export-map.py --cc ${CMAKE_C_COMPILER}
            -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_BINARY_DIR}/include
            --out ${MAAT_EXPORT_MAP} --list ${CMAKE_BINARY_DIR}/packaging/libmaat.exports
            ${MAAT_PUBLIC_HEADERS}
    DEPENDS ${MAAT_PUBLIC_HEADERS} ${CMAKE_SOURCE_DIR}/packaging/gen-export-map.py
    COMMENT "Generating libmaat.map (the exports) from include/maat/*.h"
    VERBATIM)
  add_custom_target(maat_export_map DEPENDS ${MAAT_EXPORT_MAP})
  set_property(TARGET maat PROPERTY POSITION_INDEPENDENT_CODE ON)
  add_library(maat_shared SHARED $<TARGET_OBJECTS:maat>)
  add_dependencies(maat_shared maat_export_map)
  set_target_properties(maat_shared PROPERTIES
    OUTPUT_NAME maat
    VERSION ${PROJECT_VERSION}
    SOVERSION ${MAAT_SOVERSION}
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
    LINK_DEPENDS ${MAAT_EXPORT_MAP})
  target_include_directories(maat_shared PUBLIC
    $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(maat_shared PUBLIC PkgConfig::OPENSSL PkgConfig::JANSSON)
  target_link_options(maat_shared PRIVATE -Wl,--version-script=${MAAT_EXPORT_MAP}
                      -Wl,--no-undefined-version)
  if(NOT MAAT_SANITIZE AND NOT MAAT_FUZZ)
    # Every symbol the library uses must come from a library it names (sanitizer runtimes
    # are resolved by the executable, hence not there).
    target_link_options(maat_shared PRIVATE -Wl,--no-undefined -Wl,-z,relro -Wl,-z,now)
  endif()
endif()

# sd_notify for maatd (src/maatd/sdnotify.c): libsystemd when present, else a no-op.
pkg_check_modules(SYSTEMD IMPORTED_TARGET libsystemd)
if(SYSTEMD_FOUND)
  message(STATUS "maatd: sd_notify from libsystemd ${SYSTEMD_VERSION}")
  set(MAATD_SERVICE_TYPE notify)
else()
  # Type=notify would wait for a READY=1 that never comes: the unit gets Type=exec.
  message(WARNING "maatd: libsystemd not found: sd_notify is a no-op and maatd.service "
                  "uses Type=exec (install libsystemd-dev for Type=notify)")
  set(MAATD_SERVICE_TYPE exec)
endif()
function(maat_use_sdnotify tgt)
  if(SYSTEMD_FOUND)
    target_link_libraries(${tgt} PRIVATE PkgConfig::SYSTEMD)
    set_property(SOURCE ${CMAKE_SOURCE_DIR}/src/maatd/sdnotify.c TARGET_DIRECTORY ${tgt}
                 APPEND PROPERTY COMPILE_DEFINITIONS MAATD_HAVE_LIBSYSTEMD=1)
  endif()
endfunction()
if(TARGET maatd AND EXISTS ${CMAKE_SOURCE_DIR}/src/maatd/sdnotify.c)
  maat_use_sdnotify(maatd)
endif()
if(TARGET test_sdnotify)
  target_sources(test_sdnotify PRIVATE src/maatd/sdnotify.c)
  target_include_directories(test_sdnotify PRIVATE src/maatd)
  maat_use_sdnotify(test_sdnotify)
endif()

# maat.pc for `pkg-config --cflags --libs maat`.
file(RELATIVE_PATH MAAT_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${CMAKE_SOURCE_DIR}/maat.pc.in ${CMAKE_BINARY_DIR}/maat.pc @ONLY)

if(NOT MAAT_FUZZ)
  # Man pages and bash completion, generated from the programs' own --help text (one
  # source: they cannot drift from it).
  set(MAAT_GEN_DIR ${CMAKE_BINARY_DIR}/packaging)
  add_custom_command(
    OUTPUT ${MAAT_GEN_DIR}/maat.1 ${MAAT_GEN_DIR}/maatd.8 ${MAAT_GEN_DIR}/maat.bash-completion
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MAAT_GEN_DIR}
    COMMAND python3 ${CMAKE_SOURCE_DIR}/packaging/gen-help-docs.py
            --maat $<TARGET_FILE:maat_cli> --maatd $<TARGET_FILE:maatd>
            --version ${PROJECT_VERSION} --outdir ${MAAT_GEN_DIR}
    DEPENDS maat_cli maatd ${CMAKE_SOURCE_DIR}/packaging/gen-help-docs.py
    COMMENT "Generating maat(1), maatd(8) and bash completion from --help"
    VERBATIM)
  add_custom_target(maat_help_docs ALL DEPENDS ${MAAT_GEN_DIR}/maat.1 ${MAAT_GEN_DIR}/maatd.8
                    ${MAAT_GEN_DIR}/maat.bash-completion)

  # Every install rule names the Debian package (CPack component) it belongs to; a full
  # `cmake --install` installs them all. libmaat0: the shared library; libmaat_dev
  # (libmaat-dev): what building against it needs; maatd: the service; maat: the command.
  install(TARGETS maat_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          COMPONENT libmaat0 NAMELINK_COMPONENT libmaat_dev)
  # include/maat is the installed API: no jansson or OpenSSL type in it. The headers of
  # src/include/maat (attester, request pipeline, policy, JOSE, crypto helpers) are maat's
  # own programs' and are not installed.
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/maat DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          COMPONENT libmaat_dev FILES_MATCHING PATTERN "*.h")
  install(FILES ${CMAKE_BINARY_DIR}/include/maat/version.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/maat COMPONENT libmaat_dev)
  install(FILES ${CMAKE_BINARY_DIR}/maat.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
          COMPONENT libmaat_dev)
  install(FILES ${CMAKE_SOURCE_DIR}/docs/library.md DESTINATION ${CMAKE_INSTALL_DOCDIR}
          COMPONENT libmaat_dev)
  install(FILES ${CMAKE_SOURCE_DIR}/examples/relying-party/relying_party.c
                ${CMAKE_SOURCE_DIR}/examples/relying-party/README.md
          DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/relying-party COMPONENT libmaat_dev)

  install(TARGETS maat_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT maat)
  install(FILES ${MAAT_GEN_DIR}/maat.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT maat)
  install(FILES ${MAAT_GEN_DIR}/maat.bash-completion
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME maat
          COMPONENT maat)

  install(TARGETS maatd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT maatd)
  install(FILES ${MAAT_GEN_DIR}/maatd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT maatd)
  install(FILES ${CMAKE_SOURCE_DIR}/packaging/maat.sysusers
          DESTINATION lib/sysusers.d RENAME maat.conf COMPONENT maatd)
  # The unit and the config file depend on the prefix at install time (/usr for the
  # package: /etc/maat, /usr/bin/maatd; PREFIX/etc/maat, PREFIX/bin/maatd otherwise).
  install(CODE "set(MAAT_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
                set(MAAT_BINARY_DIR \"${CMAKE_BINARY_DIR}\")
                set(MAATD_SERVICE_TYPE \"${MAATD_SERVICE_TYPE}\")
                set(MAAT_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")" COMPONENT maatd)
  install(SCRIPT ${CMAKE_SOURCE_DIR}/cmake/install-service.cmake COMPONENT maatd)

  # `maat` loads libcurl, libpq and libmicrohttpd with dlopen (src/cli/lazy_libs.c), which
  # dpkg-shlibdeps cannot see: the packages that ship those SONAMEs are named here.
  set(MAAT_CLI_DLOPEN_DEPENDS "")
  find_program(MAAT_DPKG_QUERY dpkg-query)
  foreach(dep CURL PQ MHD)
    foreach(lib ${${dep}_LINK_LIBRARIES})
      if(lib MATCHES "\\.so$" AND CMAKE_OBJDUMP AND MAAT_DPKG_QUERY)
        execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${lib} OUTPUT_VARIABLE dump ERROR_QUIET)
        if(dump MATCHES "SONAME +([^\n]+)")
          get_filename_component(libdir ${lib} DIRECTORY)
          execute_process(COMMAND ${MAAT_DPKG_QUERY} -S ${libdir}/${CMAKE_MATCH_1}
                          OUTPUT_VARIABLE owner ERROR_QUIET RESULT_VARIABLE rc)
          if(rc EQUAL 0 AND owner MATCHES "^([a-z0-9][a-z0-9+.-]*)(:[a-z0-9-]+)?: ")
            list(APPEND MAAT_CLI_DLOPEN_DEPENDS ${CMAKE_MATCH_1})
          endif()
        endif()
      endif()
    endforeach()
  endforeach()
  list(LENGTH MAAT_CLI_DLOPEN_DEPENDS n)
  if(NOT n EQUAL 3 AND MAAT_DPKG_QUERY)
    message(WARNING "maat package: found the packages of ${n} of the 3 libraries maat loads "
                    "with dlopen (${MAAT_CLI_DLOPEN_DEPENDS}); `make deb` would lack Depends")
  endif()
  list(JOIN MAAT_CLI_DLOPEN_DEPENDS ", " MAAT_CLI_DLOPEN_DEPENDS)

  # The Debian packages: `make deb` (or `cpack -G DEB` in the build tree) writes
  # libmaat0_V_ARCH.deb, libmaat-dev_V_ARCH.deb, maatd_V_ARCH.deb and maat_V_ARCH.deb.
  # maat and maatd link the static libmaat.a: they do not need libmaat0.
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGE_NAME maat)
  set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
  set(CPACK_PACKAGE_CONTACT "maat maintainers <maat@localhost>")
  set(CPACK_DEB_COMPONENT_INSTALL ON)
  set(CPACK_COMPONENTS_ALL libmaat0 libmaat_dev maatd maat)
  set(CPACK_SET_DESTDIR ON)
  set(CPACK_INSTALL_PREFIX /usr)
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/lib)
  set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON) # shlibs file of libmaat0 (libmaat.so.0)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=") # same SONAME: compatible
  set(CPACK_STRIP_FILES ON)

  set(CPACK_DEBIAN_LIBMAAT0_PACKAGE_NAME libmaat${MAAT_SOVERSION})
  set(CPACK_DEBIAN_LIBMAAT0_PACKAGE_SECTION libs)
  # No postinst of its own: CPack's runs ldconfig (and its postrm).
  set(CPACK_COMPONENT_LIBMAAT0_DESCRIPTION "Intel SGX attestation library (DCAP quotes, MAA tokens)
libmaat verifies Intel SGX DCAP quotes against Intel's collateral and validates Microsoft Azure Attestation compatible tokens (maat_token_validate). This package holds the shared library.")

  set(CPACK_DEBIAN_LIBMAAT_DEV_PACKAGE_NAME libmaat-dev)
  set(CPACK_DEBIAN_LIBMAAT_DEV_PACKAGE_SECTION libdevel)
  # maat.pc requires libcrypto and jansson: their .pc files come with the -dev packages.
  set(CPACK_DEBIAN_LIBMAAT_DEV_PACKAGE_DEPENDS
      "libmaat${MAAT_SOVERSION} (= ${PROJECT_VERSION}), libssl-dev (>= 3.0), libjansson-dev")
  set(CPACK_COMPONENT_LIBMAAT_DEV_DESCRIPTION "Intel SGX attestation library - development files
Headers, the libmaat.so link, maat.pc for pkg-config, the library documentation (library.md) and a relying-party example in C for libmaat.")

  set(CPACK_DEBIAN_MAATD_PACKAGE_NAME maatd)
  set(CPACK_DEBIAN_MAATD_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_MAATD_PACKAGE_DEPENDS "adduser | systemd") # the postinst's user
  set(CPACK_DEBIAN_MAATD_PACKAGE_CONTROL_EXTRA
      ${CMAKE_SOURCE_DIR}/packaging/debian/maatd/postinst
      ${CMAKE_SOURCE_DIR}/packaging/debian/maatd/conffiles)
  set(CPACK_COMPONENT_MAATD_DESCRIPTION "Microsoft Azure Attestation compatible attestation service
maatd verifies Intel SGX and TDX quotes and issues MAA-format attestation tokens. This package holds the daemon, its systemd unit, the system user maat and /etc/maat/maatd.conf. The service is not enabled or started by the package.")

  set(CPACK_DEBIAN_MAAT_PACKAGE_NAME maat)
  set(CPACK_DEBIAN_MAAT_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_MAAT_PACKAGE_DEPENDS "${MAAT_CLI_DLOPEN_DEPENDS}")
  set(CPACK_COMPONENT_MAAT_DESCRIPTION "Intel SGX remote attestation command-line tool
maat parses and verifies SGX DCAP quotes, fetches collateral, validates MAA tokens and administers maatd (policies, keys, certificates).")
  include(CPack)
endif()

# The packaging tests install from the same build tree: one at a time.
foreach(t packaging_test_install packaging_test_deb packaging_test_exports_match_public_headers)
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES RESOURCE_LOCK maat_build_install TIMEOUT 180)
  endif()
endforeach()
