#include "cli/grammar.h"

#include "git/repository.h"
#include "pipeline/manifest.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

namespace beaver::cli {

void add_repo_option(CLI::App* cmd, std::string& repo) {
  cmd->add_option("--repo", repo, "Repository (work tree, .git or bare)")->capture_default_str()->option_text("DIR");
}

void add_index_option(CLI::App* cmd, std::string& index) {
  cmd->add_option("--index", index,
                  "Index file (default: git config beaver.index, else beaver/index.sqlite in the common git directory)")
      ->option_text("FILE");
}

void add_manifest_option(CLI::App* cmd, std::string& manifest) {
  cmd->add_option("--manifest", manifest, "The stack manifest (default: beaver.toml in --repo or the top of its work tree)")
      ->option_text("FILE");
}

pipeline::Manifest manifest_of(const CLI::App* cmd, const std::string& manifest, const std::string& repo) {
  return pipeline::load_manifest(pipeline::find_manifest(manifest, repo), cmd->count("--repo") ? repo : "");
}

void add_jobs_option(CLI::App* cmd, unsigned& jobs, const std::string& what, bool threads_alias) {
  cmd->add_option("-j,--jobs", jobs, what + " (default: one per core; at most " + std::to_string(kMaxJobs) + ")")
      ->check(CLI::Range(1u, kMaxJobs))
      ->option_text("N");
  if (threads_alias)
    cmd->add_option_function<unsigned>(
           "--threads",
           [&jobs](unsigned n) {
             warn_deprecated("--threads", "-j/--jobs");
             jobs = n;
           },
           "")
        ->check(CLI::Range(1u, kMaxJobs))
        ->group("");
}

void add_revisions_option(CLI::App* cmd, std::vector<std::string>& revs, const std::string& help) {
  cmd->add_option("revisions", revs, help)->option_text("REV...");
  cmd->allow_extras();
}

std::vector<std::string> revisions_of(const CLI::App* cmd, const std::vector<std::string>& revs) {
  std::vector<std::string> out = cmd->remaining();
  out.insert(out.end(), revs.begin(), revs.end());
  return out;
}

void add_format_option(CLI::App* cmd, std::string& format, const std::vector<std::string>& allowed) {
  std::string list;
  for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  cmd->add_option("--format", format, "Output format: " + list)
      ->capture_default_str()
      ->check(CLI::IsMember(allowed))
      ->option_text("FORMAT");
}

void add_output_option(CLI::App* cmd, std::string& output, const std::string& what) {
  cmd->add_option("-o,--output", output, "Write " + what + " to FILE instead of standard output (-: standard output)")
      ->option_text("FILE");
}

void add_upstream_option(CLI::App* cmd, std::string& upstream, const std::string& help) {
  cmd->add_option("-u,--upstream", upstream, help + " (default: git config beaver.upstream)")->option_text("REV");
}

void add_link_options(CLI::App* cmd, report::Links& links, bool mail) {
  cmd->add_option("--commit-url", links.commit_url,
                  "Link template for commits in Markdown/HTML, e.g. https://git.kernel.org/linus/{commit} "
                  "(default: git config beaver.commitUrl)")
      ->option_text("URL");
  if (mail)
    cmd->add_option("--mail-url", links.mail_url,
                    "Link template for mails in Markdown/HTML, e.g. https://lore.kernel.org/r/{message_id} "
                    "(default: git config beaver.mailUrl)")
        ->option_text("URL");
}

void add_mail_option(CLI::App* cmd, std::vector<std::string>& mail) {
  cmd->add_option("--mail", mail,
                  "Mail archive to look for postings: mbox file, maildir, public-inbox; repeatable "
                  "(default: git config beaver.mail, multi-valued)")
      ->allow_extra_args(false)
      ->option_text("PATH");
}

void warn_deprecated(const std::string& old, const std::string& now) {
  tprint(stderr, "beaver: warning: {} is deprecated; use {}\n", old, now);
}

void add_exit_status(CLI::App* cmd, const std::string& one) {
  std::string text = "Exit status: 0 done";
  if (!one.empty()) text += "; 1 " + one;
  text += "; 2 usage or input error (a bad option, revision, file or repository; the message says where);\n"
          "3 internal error.";
  std::string footer = cmd->get_footer();
  cmd->footer(footer.empty() ? text : footer + "\n\n" + text);
}

std::string upstream_of(const git::Repository& repo, const std::string& upstream, const std::string& command) {
  if (!upstream.empty()) return upstream;
  if (std::optional<std::string> configured = repo.config_value("beaver.upstream"); configured && !configured->empty())
    return *configured;
  throw Error("{}: no upstream: give -u REV (e.g. -u origin/master) or set it once with "
              "`git config beaver.upstream REV`",
              command);
}

void links_from_config(const git::Repository& repo, report::Links& links) {
  if (links.commit_url.empty()) links.commit_url = repo.config_value("beaver.commitUrl").value_or("");
  if (links.mail_url.empty()) links.mail_url = repo.config_value("beaver.mailUrl").value_or("");
}

void mail_from_config(const git::Repository& repo, std::vector<std::string>& mail) {
  if (!mail.empty()) return;
  for (const std::string& path : repo.config_values("beaver.mail"))
    if (!path.empty()) mail.push_back(path);
}

namespace {
void add_globals_to(CLI::App& app) {
  app.add_option_function<std::string>(
         "--color",
         [](const std::string& when) {
           set_color_mode(when == "always" ? ColorMode::Always : when == "never" ? ColorMode::Never : ColorMode::Auto);
         },
         "Colour: auto (a terminal, unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->option_text("WHEN")
      ->trigger_on_parse();
  app.add_flag_callback("-q,--quiet", [] { set_verbosity(-1); },
                        "No progress, summaries or legends (warnings and errors stay)")
      ->trigger_on_parse();
  app.add_flag_callback("-v,--verbose", [] { set_verbosity(1); }, "Say how long each phase took, on stderr")
      ->trigger_on_parse();
  app.add_flag_callback("--no-pager", [] { set_pager_enabled(false); },
                        "Do not page long output on a terminal ($BEAVER_PAGER, $PAGER, less -FRX)")
      ->trigger_on_parse();
  app.add_flag_callback("--progress", [] { set_progress_mode(ProgressMode::Lines); },
                        "Progress lines on stderr even when it is not a terminal (default when CI is set)")
      ->trigger_on_parse();
  app.add_flag_callback("--no-progress", [] { set_progress_mode(ProgressMode::Off); }, "No progress on stderr")
      ->trigger_on_parse();
  for (CLI::App* sub : app.get_subcommands({})) add_globals_to(*sub);
}
}  // namespace

void add_global_options(CLI::App& app) {
  add_globals_to(app);
}

}  // namespace beaver::cli
