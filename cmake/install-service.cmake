# install-service.cmake - run by `cmake --install` (and CPack): installs the systemd unit and
# /etc/maat/maatd.conf with paths for the prefix in use at install time. The package
# (prefix /usr) gets /etc/maat/maatd.conf and /usr/lib/systemd/system/maatd.service running
# /usr/bin/maatd; `--prefix P` gets P/etc/maat/maatd.conf and a unit running P/bin/maatd.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(MAAT_ETC_DIR "/etc/maat")
else()
  set(MAAT_ETC_DIR "${CMAKE_INSTALL_PREFIX}/etc/maat")
endif()
set(MAAT_CONF "${MAAT_ETC_DIR}/maatd.conf")
set(MAATD_BIN "${CMAKE_INSTALL_PREFIX}/${MAAT_INSTALL_BINDIR}/maatd")
# One directory per install destination: two installs at once (ctest -j) do not collide.
string(MD5 _dest "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(_gen "${MAAT_BINARY_DIR}/packaging/install/${_dest}")
configure_file("${MAAT_SOURCE_DIR}/packaging/maatd.service.in" "${_gen}/maatd.service" @ONLY)
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES "${_gen}/maatd.service")
# The config names no secret; 0644 so that `maatd --help`-style checks by admins work.
# Secrets (admin token, TLS key, PCCS API key) go in their own 0600/0640 files.
file(INSTALL DESTINATION "${MAAT_ETC_DIR}" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${MAAT_SOURCE_DIR}/packaging/maatd.conf")
