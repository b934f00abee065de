#include "demo/demo.h"

#include "util/error.h"
#include "util/process.h"

#include <filesystem>
#include <fstream>
#include <map>

namespace beaver::demo {

namespace fs = std::filesystem;

namespace {

class Builder {
public:
  explicit Builder(std::string dir) : dir_(std::move(dir)) {}

  // The whole standard output (git() keeps the first line).
  std::string git_out(std::vector<std::string> args) { return run(std::move(args), {}); }
  std::string git(std::vector<std::string> args, std::string_view input = {}) {
    std::string out = run(std::move(args), input);
    return out.substr(0, out.find('\n'));
  }
  std::string run(std::vector<std::string> args, std::string_view input) {
    std::vector<std::string> argv = {"git", "-C", dir_};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions po;
    po.input = input;
    std::string date = std::to_string(1709500000 + clock_ * 3600 * 7) + " +0000";
    po.env = {"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_DATE=" + date,
              "GIT_COMMITTER_DATE=" + date, "GIT_AUTHOR_NAME=" + author_, "GIT_AUTHOR_EMAIL=" + email_,
              "GIT_COMMITTER_NAME=" + author_, "GIT_COMMITTER_EMAIL=" + email_};
    ProcessResult r = run_process(argv, po);
    if (r.exit_code != 0) throw Error("demo: git {} failed: {}", args.empty() ? "" : args[0], r.err);
    return r.out;
  }
  void write(const std::string& path, const std::string& content) {
    fs::path p = fs::path(dir_) / path;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    files_[path] = content;
  }
  // Replaces `from` by `to` in a file (the text must be there).
  void edit(const std::string& path, const std::string& from, const std::string& to) {
    std::string c = files_.at(path);
    auto at = c.find(from);
    if (at == std::string::npos) throw Error("demo: '{}' not found in {}", from, path);
    c.replace(at, from.size(), to);
    write(path, c);
  }
  std::string commit(const std::string& message, const std::string& who = "Tom Lendacky",
                     const std::string& mail = "thomas.lendacky@amd.example") {
    author_ = who;
    email_ = mail;
    ++clock_;
    git({"add", "-A"});
    git({"commit", "-q", "-F", "-"}, message);
    return git({"rev-parse", "HEAD"});
  }
  void checkout(const std::string& rev) {
    git({"checkout", "-q", rev});
    reload();
  }
  void checkout_new(const std::string& branch, const std::string& rev) {
    git({"checkout", "-q", "-b", branch, rev});
    reload();
  }
  std::string cherry_pick(const std::string& commit, const std::string& message) {
    ++clock_;
    git({"cherry-pick", "--no-commit", commit});
    git({"commit", "-q", "-F", "-"}, message);
    reload();
    return git({"rev-parse", "HEAD"});
  }

private:
  void reload() {
    for (auto& [path, content] : files_) {
      std::ifstream in(fs::path(dir_) / path, std::ios::binary);
      content.assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  std::string dir_;
  std::string author_ = "Tom Lendacky", email_ = "thomas.lendacky@amd.example";
  std::map<std::string, std::string> files_;
  int clock_ = 0;
};

const char* kSevCore = R"(// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD Memory Encryption Support: SEV-SNP guest core
 */
#include <linux/cc_platform.h>
#include <asm/sev.h>

static u64 snp_secrets_pa;

int snp_issue_guest_request(u64 exit_code, struct snp_req_data *input)
{
	struct ghcb *ghcb;
	int ret;

	ghcb = __sev_get_ghcb();
	ret = sev_es_ghcb_hv_call(ghcb, NULL, exit_code, input->req_gpa,
				  input->resp_gpa);
	__sev_put_ghcb();
	return ret;
}

bool snp_init(struct boot_params *bp)
{
	if (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP))
		return false;

	snp_secrets_pa = find_secrets_paddr(bp);
	return true;
}
)";

const char* kSevGuest = R"(// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD Secure Encrypted Virtualization (SEV) guest driver interface
 */
#include <linux/miscdevice.h>
#include <uapi/linux/sev-guest.h>

static int get_report(struct snp_guest_dev *snp_dev, struct snp_guest_request_ioctl *arg)
{
	struct snp_report_req req;
	int rc;

	if (copy_from_user(&req, (void __user *)arg->req_data, sizeof(req)))
		return -EFAULT;

	rc = handle_guest_request(snp_dev, SVM_VMGEXIT_GUEST_REQUEST, arg,
				  SNP_MSG_REPORT_REQ, &req, sizeof(req));
	return rc;
}

static long snp_guest_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case SNP_GET_REPORT:
		return get_report(file->private_data, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}
)";

const char* kTdx = R"(// SPDX-License-Identifier: GPL-2.0
/*
 * Intel Trust Domain Extensions (TDX) guest support
 */
#include <asm/tdx.h>

static bool handle_mmio(struct pt_regs *regs, struct ve_info *ve)
{
	unsigned long vaddr;
	int size;

	vaddr = (unsigned long)insn_get_addr_ref(&insn, regs);
	size = insn_get_size(&insn);
	return size > 0;
}

void __init tdx_early_init(void)
{
	u64 cc_mask;

	cc_set_vendor(CC_VENDOR_INTEL);
	cc_mask = get_cc_mask();
	pr_info("Guest detected\n");
}
)";

const char* kKconfig = R"(config AMD_MEM_ENCRYPT
	bool "AMD Secure Memory Encryption (SME) support"
	depends on X86_64 && CPU_SUP_AMD
	select ARCH_HAS_CC_PLATFORM
	select UNACCEPTED_MEMORY

config INTEL_TDX_GUEST
	bool "Intel TDX (Trust Domain Extensions) - Guest Support"
	depends on X86_64 && CPU_SUP_INTEL
	depends on X86_X2APIC
	select ARCH_HAS_CC_PLATFORM
)";

}  // namespace

DemoRepo build(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir) && !fs::is_empty(dir, ec)) throw Error("{}: exists and is not empty; pick another --dir", dir);
  fs::create_directories(dir, ec);
  if (ec) throw Error("{}: cannot create: {}", dir, ec.message());
  DemoRepo demo;
  demo.dir = fs::absolute(dir).string();
  Builder b(demo.dir);
  b.git({"init", "-q", "-b", "main"});

  // ---- upstream v6.8 ----
  b.write("Makefile", "VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 0\nEXTRAVERSION =\n");
  b.write("arch/x86/coco/sev/core.c", kSevCore);
  b.write("drivers/virt/coco/sev-guest/sev-guest.c", kSevGuest);
  b.write("arch/x86/coco/tdx/tdx.c", kTdx);
  b.write("arch/x86/Kconfig", kKconfig);
  b.commit("Linux 6.8\n", "Linus Torvalds", "torvalds@linux-foundation.example");
  b.git({"tag", "-a", "v6.8", "-m", "Linux 6.8"});

  // ---- the vendor branch, on v6.8 ----
  b.checkout_new(demo.vendor, "v6.8");
  b.edit("drivers/virt/coco/sev-guest/sev-guest.c", "\tint rc;\n\n\tif (copy_from_user",
         "\tint rc;\n\n\tif (!snp_dev->rate_limit_ok)\n\t\treturn -EAGAIN;\n\n\tif (copy_from_user");
  std::string v_throttle = b.commit(
      "virt: sev-guest: Throttle SNP guest requests\n\nThe PSP rejects guest requests that arrive too quickly; back off\n"
      "instead of failing the attestation.\n\nSigned-off-by: Tom Lendacky <thomas.lendacky@amd.example>\n");
  b.edit("arch/x86/coco/sev/core.c", "\tsnp_secrets_pa = find_secrets_paddr(bp);\n",
         "\tsnp_secrets_pa = find_secrets_paddr(bp);\n\tsnp_vmpl = snp_get_vmpl();\n");
  std::string v_vmpl = b.commit(
      "x86/sev: Record the VMPL the guest runs at\n\nAn SNP guest under an SVSM runs at VMPL > 0; remember it for the\n"
      "attestation report.\n\nSigned-off-by: Tom Lendacky <thomas.lendacky@amd.example>\n");
  // The vendor-only patch every version of the branch carries.
  auto add_lab_knob = [&] {
    b.edit("arch/x86/coco/sev/core.c", "static u64 snp_secrets_pa;\n",
           "static u64 snp_secrets_pa;\nstatic bool snp_lab_debug = IS_ENABLED(CONFIG_VENDOR_LAB);\n");
    b.commit("VENDOR: x86/sev: Add a debug knob for lab machines\n\nNot for upstream.\n\n"
             "Signed-off-by: Lab Engineer <lab@vendor.example>\n",
             "Lab Engineer", "lab@vendor.example");
  };
  add_lab_knob();
  b.edit("arch/x86/coco/tdx/tdx.c", "\tsize = insn_get_size(&insn);\n",
         "\tsize = insn_get_size(&insn);\n\tif (size > 8)\n\t\treturn false;\n");
  std::string v_mmio = b.commit(
      "x86/tdx: Reject MMIO accesses wider than 8 bytes\n\nSigned-off-by: Kirill Shutemov <kirill@intel.example>\n",
      "Kirill Shutemov", "kirill@intel.example");
  b.edit("drivers/virt/coco/sev-guest/sev-guest.c", "\tcase SNP_GET_REPORT:\n",
         "\tcase SNP_GET_EXT_REPORT:\n\t\treturn get_ext_report(file->private_data, (void __user *)arg);\n\tcase SNP_GET_REPORT:\n");
  b.commit("FROMLIST: virt: sev-guest: Add SNP_GET_EXT_REPORT\n\n"
           "Link: https://lore.kernel.org/r/20240301-ext-report-v3-2@amd.example\n"
           "Signed-off-by: Tom Lendacky <thomas.lendacky@amd.example>\n");

  // ---- upstream goes on ----
  b.checkout("main");
  b.edit("arch/x86/coco/tdx/tdx.c", "\tpr_info(\"Guest detected\\n\");\n",
         "\tpr_info(\"Guest detected\\n\");\n\tsetup_force_cpu_cap(X86_FEATURE_TDX_GUEST);\n");
  b.commit("x86/tdx: Set the TDX guest CPU feature early\n\nSigned-off-by: Kirill Shutemov <kirill@intel.example>\n",
           "Kirill Shutemov", "kirill@intel.example");
  // The throttling patch is merged exactly as the vendor carries it.
  std::string up_throttle = b.cherry_pick(
      v_throttle,
      "virt: sev-guest: Throttle SNP guest requests\n\nThe PSP rejects guest requests that arrive too quickly; back off\n"
      "instead of failing the attestation.\n\nSigned-off-by: Tom Lendacky <thomas.lendacky@amd.example>\n"
      "Signed-off-by: Borislav Petkov <bp@alien8.example>\n");
  b.git({"tag", "-a", "v6.9-rc1", "-m", "Linux 6.9-rc1"});
  // Upstream changes the context around snp_init() first ...
  b.edit("arch/x86/coco/sev/core.c", "\tif (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP))\n\t\treturn false;\n",
         "\tif (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP))\n\t\treturn false;\n\n\tsetup_svsm_ca(bp);\n");
  b.commit("x86/sev: Set up the SVSM calling area\n\nSigned-off-by: Tom Lendacky <thomas.lendacky@amd.example>\n");
  // ... so the VMPL patch lands with other context (git cherry misses it).
  b.edit("arch/x86/coco/sev/core.c", "\tsnp_secrets_pa = find_secrets_paddr(bp);\n",
         "\tsnp_secrets_pa = find_secrets_paddr(bp);\n\tsnp_vmpl = snp_get_vmpl();\n");
  b.commit("x86/sev: Record the VMPL the guest runs at\n\nAn SNP guest under an SVSM runs at VMPL > 0; remember it for the\n"
           "attestation report.\n\nSigned-off-by: Tom Lendacky <thomas.lendacky@amd.example>\n"
           "Signed-off-by: Borislav Petkov <bp@alien8.example>\n");
  // The MMIO patch is merged after review with a warning added.
  b.edit("arch/x86/coco/tdx/tdx.c", "\tsize = insn_get_size(&insn);\n",
         "\tsize = insn_get_size(&insn);\n\tif (WARN_ON_ONCE(size > 8))\n\t\treturn false;\n");
  std::string up_mmio = b.commit(
      "x86/tdx: Reject MMIO accesses wider than 8 bytes\n\nSigned-off-by: Kirill Shutemov <kirill@intel.example>\n"
      "Reviewed-by: Dave Hansen <dave.hansen@intel.example>\n",
      "Kirill Shutemov", "kirill@intel.example");
  // A fix for the throttling patch.
  b.edit("drivers/virt/coco/sev-guest/sev-guest.c", "\t\treturn -EAGAIN;\n", "\t\treturn -EBUSY;\n");
  std::string up_fix = b.commit("virt: sev-guest: Return -EBUSY when throttled\n\nUser space retries on -EBUSY only.\n\n"
                                "Fixes: " + up_throttle.substr(0, 12) +
                                " (\"virt: sev-guest: Throttle SNP guest requests\")\n"
                                "Cc: stable@vger.kernel.org # 6.8.x\nSigned-off-by: Dionna Glaze <dionnaglaze@google.example>\n",
                                "Dionna Glaze", "dionnaglaze@google.example");
  b.write("Makefile", "VERSION = 6\nPATCHLEVEL = 9\nSUBLEVEL = 0\nEXTRAVERSION =\n");
  b.commit("Linux 6.9\n", "Linus Torvalds", "torvalds@linux-foundation.example");
  b.git({"tag", "-a", "v6.9", "-m", "Linux 6.9"});

  // ---- a stable branch with a backport ----
  b.checkout_new(demo.stable, "v6.8");
  b.cherry_pick(up_throttle, "virt: sev-guest: Throttle SNP guest requests\n\ncommit " + up_throttle +
                                 " upstream.\n\nThe PSP rejects guest requests that arrive too quickly; back off\n"
                                 "instead of failing the attestation.\n\nSigned-off-by: Tom Lendacky "
                                 "<thomas.lendacky@amd.example>\nSigned-off-by: Greg Kroah-Hartman <gregkh@linuxfoundation.example>\n");
  b.write("Makefile", "VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 1\nEXTRAVERSION =\n");
  b.commit("Linux 6.8.1\n", "Greg Kroah-Hartman", "gregkh@linuxfoundation.example");
  b.git({"tag", "-a", "v6.8.1", "-m", "Linux 6.8.1"});

  // ---- the FROMLIST patch as posted (v3), in a mail archive ----
  {
    std::string ext = b.git({"rev-parse", demo.vendor});
    std::string mbox = b.git_out({"format-patch", "--stdout", "--subject-prefix=PATCH v3", "--start-number=2",
                                  "--add-header=Message-ID: <20240301-ext-report-v3-2@amd.example>",
                                  "-1", ext});
    // As posted, without the downstream prefix.
    auto at = mbox.find("FROMLIST: ");
    if (at != std::string::npos) mbox.erase(at, 10);
    demo.mail = (fs::path(demo.dir) / "linux-coco.mbox").string();
    std::ofstream(demo.mail, std::ios::binary) << mbox;
    fs::create_directories(fs::path(demo.dir) / ".git/info");
    std::ofstream(fs::path(demo.dir) / ".git/info/exclude", std::ios::app) << "linux-coco.mbox\n";
  }

  // ---- the vendor rebases onto v6.9 ----
  b.checkout_new(demo.vendor_69, "v6.9");
  add_lab_knob();
  // v4 of the posted patch: review asked for a check of the device.
  const char* ext_v4 = "\tcase SNP_GET_EXT_REPORT:\n\t\tif (!file->private_data)\n\t\t\treturn -ENODEV;\n"
                       "\t\treturn get_ext_report(file->private_data, (void __user *)arg);\n\tcase SNP_GET_REPORT:\n";
  const char* ext_msg = "virt: sev-guest: Add SNP_GET_EXT_REPORT\n\n"
                        "Link: https://lore.kernel.org/r/20240412-ext-report-v4-1@amd.example\n"
                        "Signed-off-by: Tom Lendacky <thomas.lendacky@amd.example>\n";
  b.edit("drivers/virt/coco/sev-guest/sev-guest.c", "\tcase SNP_GET_REPORT:\n", ext_v4);
  std::string v_ext4 = b.commit(std::string("FROMLIST: ") + ext_msg);
  b.edit("arch/x86/coco/sev/core.c", "\tsnp_vmpl = snp_get_vmpl();\n",
         "\tsnp_vmpl = snp_get_vmpl();\n\tsnp_sysfs_add_vmpl(snp_vmpl);\n");
  b.commit("x86/sev: Expose the VMPL in sysfs\n\nSigned-off-by: Lab Engineer <lab@vendor.example>\n", "Lab Engineer",
           "lab@vendor.example");

  // ---- upstream v6.10 merges the extended report (as v4) ----
  b.checkout("main");
  b.edit("drivers/virt/coco/sev-guest/sev-guest.c", "\tcase SNP_GET_REPORT:\n", ext_v4);
  b.commit(ext_msg + std::string("Signed-off-by: Borislav Petkov <bp@alien8.example>\n"));
  b.edit("arch/x86/coco/tdx/tdx.c", "\tcc_set_vendor(CC_VENDOR_INTEL);\n",
         "\tcc_set_vendor(CC_VENDOR_INTEL);\n\ttdx_parse_tdinfo(&cc_mask);\n");
  b.commit("x86/tdx: Parse the TD info early\n\nSigned-off-by: Kirill Shutemov <kirill@intel.example>\n",
           "Kirill Shutemov", "kirill@intel.example");
  // A change of a line v6.9 wrote: bringing it to 6.8 takes that commit first.
  b.edit("arch/x86/coco/sev/core.c", "\tsetup_svsm_ca(bp);\n", "\tif (!setup_svsm_ca(bp))\n\t\treturn false;\n");
  b.commit("x86/sev: Stop early when the SVSM calling area cannot be set up\n\n"
           "Signed-off-by: Tom Lendacky <thomas.lendacky@amd.example>\n");
  b.write("Makefile", "VERSION = 6\nPATCHLEVEL = 10\nSUBLEVEL = 0\nEXTRAVERSION =\n");
  b.commit("Linux 6.10\n", "Linus Torvalds", "torvalds@linux-foundation.example");
  b.git({"tag", "-a", "v6.10", "-m", "Linux 6.10"});

  // ---- the vendor rebases onto v6.10: the report is upstream, sysfs is dropped ----
  b.checkout_new(demo.vendor_610, "v6.10");
  add_lab_knob();
  b.edit("arch/x86/coco/tdx/tdx.c", "\tpr_info(\"Guest detected\\n\");\n",
         "\tpr_info(\"Guest detected\\n\");\n\tpr_info(\"TD attributes: %llx\\n\", td_attr);\n");
  b.commit("x86/tdx: Log the TD attributes\n\nSigned-off-by: Kirill Shutemov <kirill@intel.example>\n",
           "Kirill Shutemov", "kirill@intel.example");

  // ---- a TDX vendor branch on v6.10, to be combined with the SNP one ----
  b.checkout_new(demo.vendor_tdx, "v6.10");
  b.edit("arch/x86/coco/tdx/tdx.c", "\tpr_info(\"Guest detected\\n\");\n",
         "\tpr_info(\"Guest detected\\n\");\n\tpr_info(\"TD debug: %s\\n\", td_debug ? \"on\" : \"off\");\n");
  b.commit("VENDOR: x86/tdx: Say whether the TD is debuggable\n\nSigned-off-by: Lab Engineer <lab@vendor.example>\n",
           "Lab Engineer", "lab@vendor.example");
  b.edit("Makefile", "EXTRAVERSION =\n", "EXTRAVERSION = -tdx\n");
  b.commit("VENDOR: Makefile: Name the TDX kernel\n\nSigned-off-by: Lab Engineer <lab@vendor.example>\n", "Lab Engineer",
           "lab@vendor.example");

  b.checkout("main");
  (void)v_ext4;
  (void)v_vmpl;
  (void)v_mmio;
  (void)up_mmio;
  (void)up_fix;
  return demo;
}

}  // namespace beaver::demo
