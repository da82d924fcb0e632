# packaging/rpm/rpm.mk - release tarball and RPMs; included by the Makefile.
#
#   make dist      $(BUILD)/envfrom-milter-VERSION.tar.gz: every file git
#                  tracks, as it is in the working tree, under
#                  envfrom-milter-VERSION/ (the spec's Source0; it holds the
#                  spec, so `rpmbuild -ta` works on it)
#   make rpm       source and binary RPM with `rpmbuild -ta` on that tarball,
#                  in a private _topdir: $(BUILD)/rpmbuild/{SRPMS,RPMS}
#   make rpmlint   rpmlint on the spec and on both RPMs, with the EL/Fedora
#                  conventions of packaging/rpm/rpmlint.toml
#
# EL and Fedora are told apart by their rpm, which defines %rhel or
# %fedora.  There the spec needs systemd's rpm macros; without them `make
# rpm` says so and stops.  Elsewhere (Debian's rpm package, as in CI)
# rpmbuild gets --nodeps, because the EL build dependencies are not rpm
# packages there, and reads packaging/rpm/macros.compat after its own
# macro files for the systemd and path macros that EL defines (--macros:
# rpm 4.11 has it; --load, which adds one file, is rpm 4.15's); those
# RPMs are for testing the packaging only, and `make rpm` says so: the
# binary needs that host's glibc and libraries (Debian 12's: GLIBC_2.34,
# libmilter.so.1.0.1), and does not install on CentOS 7.
#
# RPMBUILD names the rpmbuild to use (tests/floor/rpm411.t: rpm
# 4.11.3); RPMBUILD_FLAGS adds options, e.g. "--without check".

DIST_NAME	= envfrom-milter-$(VERSION)
DIST_TARBALL	= $(BUILD)/$(DIST_NAME).tar.gz
RPM_SPEC	= packaging/rpm/envfrom-milter.spec
RPM_TOPDIR	= $(abspath $(BUILD))/rpmbuild
RPMBUILD	?= rpmbuild
RPMLINT		?= rpmlint
RPMBUILD_FLAGS	?=
# The Packager header of RPMs this builds (build systems set it, specs don't).
RPM_PACKAGER	?= envfrom-milter maintainers (make rpm)
# rpmbuild --eval reads the macros the build will read.
RPM_EVAL	= $(shell $(RPMBUILD) --eval '$(1)' 2>/dev/null)
RPM_IS_EL	= $(call RPM_EVAL,%{?rhel:yes}%{?fedora:yes})
RPM_HAS_SYSTEMD	= $(call RPM_EVAL,%{?systemd_post:yes})
RPM_MACRO_PATH	= $(shell $(RPMBUILD) --showrc 2>/dev/null | sed -n 's/^Macro path: //p')
RPM_COMPAT	= $(if $(RPM_IS_EL),,--nodeps --macros='$(RPM_MACRO_PATH):$(CURDIR)/packaging/rpm/macros.compat')

.PHONY: dist rpm rpmlint

dist:
	@git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { \
	    echo "make dist: not a git checkout (it packs the files git tracks)" >&2; exit 1; }
	@v=`sed -n 's/^Version:[[:space:]]*//p' $(RPM_SPEC)`; [ "$$v" = "$(VERSION)" ] || { \
	    echo "make dist: $(RPM_SPEC) says Version $$v, the Makefile VERSION $(VERSION)" >&2; exit 1; }
	@git ls-files --error-unmatch $(RPM_SPEC) >/dev/null 2>&1 || { \
	    echo "make dist: $(RPM_SPEC) is not tracked by git (git add it)" >&2; exit 1; }
	@mkdir -p $(BUILD)
	@git -c core.quotePath=false ls-files | while IFS= read -r f; do \
	    if [ -e "$$f" ] || [ -h "$$f" ]; then printf '%s\n' "$$f"; fi; \
	done > $(BUILD)/dist-files
	tar -c -f - --owner=0 --group=0 --numeric-owner \
	    --transform 's,^,$(DIST_NAME)/,S' -T $(BUILD)/dist-files | gzip -9n > $(DIST_TARBALL).tmp
	@mv $(DIST_TARBALL).tmp $(DIST_TARBALL)
	@rm -f $(BUILD)/dist-files
	@echo "make dist: $(DIST_TARBALL)"

rpm: dist
	@command -v $(RPMBUILD) >/dev/null 2>&1 || { echo "make rpm: rpmbuild not found" \
	    "(Debian: apt-get install rpm; EL: yum install rpm-build)" >&2; exit 1; }
	@if [ -n "$(RPM_IS_EL)" ] && [ -z "$(RPM_HAS_SYSTEMD)" ]; then \
	    echo "make rpm: $(RPMBUILD) has no systemd rpm macros (%systemd_post, %_unitdir)," \
		"which the spec's scriptlets and unit path need: install the package that has" \
		"/usr/lib/rpm/macros.d/macros.systemd (EL7, EL8: systemd; EL9: systemd-rpm-macros)" >&2; \
	    exit 1; \
	fi
	rm -rf $(RPM_TOPDIR)
	mkdir -p $(RPM_TOPDIR)
	$(RPMBUILD) -ta $(RPM_COMPAT) --define '_topdir $(RPM_TOPDIR)' \
	    --define 'packager $(RPM_PACKAGER)' \
	    $(RPMBUILD_FLAGS) $(DIST_TARBALL)
	@ls -1 $(RPM_TOPDIR)/SRPMS/*.src.rpm $(RPM_TOPDIR)/RPMS/*/*.rpm
	@$(if $(RPM_IS_EL),:,{ \
	    echo "make rpm: this rpm is not EL's or Fedora's (no %rhel, no %fedora): these RPMs are for testing the packaging only."; \
	    echo "    The binary RPM needs this host's glibc and libraries: it does not install on CentOS 7."; \
	    echo "    Build the RPM on the EL machine, from the tarball or the source RPM (docs/install.md):"; \
	    echo "        rpmbuild -ta $(DIST_NAME).tar.gz"; \
	    echo "        rpmbuild --rebuild `cd $(RPM_TOPDIR)/SRPMS && ls *.src.rpm`"; \
	} >&2)

rpmlint: rpm
	$(RPMLINT) -c packaging/rpm/rpmlint.toml $(RPM_SPEC) $(RPM_TOPDIR)/SRPMS/*.src.rpm $(RPM_TOPDIR)/RPMS/*/*.rpm
