# Install rules and the Debian package (CPack).
#
#   <prefix>/bin/phonelab, phone-emulator         (phonelab starts the emulator from its own folder)
#   <prefix>/share/phonelab/scenarios/             the scenarios and requirements.yaml, the catalog
#   <prefix>/share/phonelab/lab/                   emulated*.yaml, devices/ (profiles), examples/
#   <prefix>/share/phonelab/fixtures/sip-torture/  the corpus scenarios/robustness names (../../fixtures)
#   <prefix>/share/doc/phonelab/                   README.md, docs/, emulator/README.md
#
# An installed phonelab finds its data from its own path: <bin>/../share/phonelab (relative, so a
# copy unpacked under another root works too), used for the defaults not found in the working
# directory (harness/cli/support.cc, defaultPath).
include(GNUInstallDirs)

set(PHONELAB_DATA_DIR ${CMAKE_INSTALL_DATADIR}/phonelab)
file(RELATIVE_PATH PHONELAB_DATA_FROM_BIN ${CMAKE_INSTALL_FULL_BINDIR}
     ${CMAKE_INSTALL_FULL_DATADIR}/phonelab)
target_compile_definitions(phonelab PRIVATE PHONELAB_DATA_FROM_BIN="${PHONELAB_DATA_FROM_BIN}")

install(TARGETS phonelab phone-emulator RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY scenarios DESTINATION ${PHONELAB_DATA_DIR})
file(GLOB PHONELAB_LAB_FILES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/lab/*.yaml)
install(FILES ${PHONELAB_LAB_FILES} DESTINATION ${PHONELAB_DATA_DIR}/lab)
install(DIRECTORY lab/devices lab/examples DESTINATION ${PHONELAB_DATA_DIR}/lab)
install(DIRECTORY fixtures/sip-torture DESTINATION ${PHONELAB_DATA_DIR}/fixtures)
# The docs keep their folders, so their links to each other still work.
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES emulator/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}/emulator)

# `cpack -G DEB` in the build folder: phonelab_<version>_amd64.deb, installing under /usr.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME phonelab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "phonelab maintainers <phonelab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "conformance and security test harness for IP conference phones")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Stands up a lab around one phone (Kea DHCP, Kamailio, DNS/NTP/TFTP/HTTP fakes, hostile SIP,\n\
a TLS proxy, an audio analyser), drives it through YAML scenarios and writes a compliance\n\
report with the evidence. Includes phone-emulator, a firmware emulator with named faults.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The shared libraries of the two binaries (dpkg-shlibdeps), and the programs the lab starts:
# Kea, Kamailio with TLS, SoX with its formats, tshark, ip and nft, sysctl.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "kea-dhcp4-server, kamailio, kamailio-tls-modules, sox, libsox-fmt-all, tshark, iproute2, nftables, procps")
# power: snmp (a PoE switch port); `--pdf`: chromium.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "snmp, chromium")
include(CPack)
