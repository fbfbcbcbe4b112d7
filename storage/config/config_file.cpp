#include "storage/config/config_file.hpp"

#include <glob.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "protocol/resp_parser.hpp"
#include "storage/commands/text.hpp"
#include "storage/config/config_table.hpp"
#include "storage/config/default_user.hpp"
#include "storage/glob.hpp"
#include "storage/quoted.hpp"

namespace credis {

namespace {

// Past this many nested includes a file is taken to include itself.
constexpr int max_include_depth = 16;

}  // namespace

std::string_view trim_config_line(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool split_config_line(std::string_view line, std::vector<std::string>& words) {
  return split_inline_args(line, words);  // the same rules as inline commands: sdssplitargs
}


// As redis-server's main(): `--name` starts a line and the words after it are its values,
// quoted; "--name value" in one word is a whole line; a `--save` with no value means "".
std::string options_as_config_text(const std::vector<std::string>& args) {
  std::string text;
  bool value_given = true;  // the last option has a value (or none was opened)
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (value_given && a.size() >= 2 && a[0] == '-' && a[1] == '-') {
      if (!text.empty())
        text += '\n';
      text += a.substr(2) + " ";
      std::vector<std::string> words;
      value_given = split_config_line(a, words) && words.size() > 1;
      const bool next_is_option = i + 1 < args.size() && args[i + 1].rfind("--", 0) == 0;
      if (!value_given && iequals(a, "--save") && (next_is_option || i + 1 == args.size())) {
        text += "\"\"";
        value_given = true;
      }
    } else {
      text += quoted_repr(a) + " ";
      value_given = true;
    }
  }
  return text;
}

std::string render_config_error(const config_error& error) {
  if (error.line == 0)
    return error.message + "\n";
  std::ostringstream out;
  out << "\n*** FATAL CONFIG FILE ERROR (credis) ***\n";
  out << "Reading the configuration file, at line " << error.line;
  if (!error.file.empty())
    out << " of " << error.file;
  out << "\n>>> '" << error.line_text << "'\n" << error.message << "\n";
  return out.str();
}

bool config_loader::apply_text(std::string_view text, const std::string& file) {
  int number = 0;
  std::vector<std::string> words;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = trim_config_line(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (line.empty() || line.front() == '#')
      continue;
    std::string failure;
    if (!split_config_line(line, words))
      failure = "Unbalanced quotes in configuration line";
    else if (words.empty())
      continue;
    else if (!apply_words(words))
      failure = error_.message;
    if (!failure.empty()) {
      // An error inside an included file was reported there already.
      if (error_.line == 0)
        error_ = {file, number, std::string(line), failure};
      return false;
    }
  }
  return true;
}

bool config_loader::apply_file(const std::string& path) {
  std::vector<std::string> paths;
  if (has_glob_chars(path)) {
    glob_t matches{};
    if (::glob(path.c_str(), 0, nullptr, &matches) == 0)
      for (size_t i = 0; i < matches.gl_pathc; ++i)
        paths.emplace_back(matches.gl_pathv[i]);
    globfree(&matches);
  } else {
    paths.push_back(path);
  }
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in || std::filesystem::is_directory(p)) {
      error_.message = "Fatal error, can't open config file '" + p + "': " +
                       (in ? std::string("Is a directory")
                           : std::error_code(errno, std::generic_category()).message());
      return false;
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (!apply_text(content.str(), p))
      return false;
  }
  return true;
}

bool config_loader::apply_words(std::vector<std::string>& words) {
  const std::string name = to_lower(words[0]);
  if (name == "include") {
    if (words.size() != 2) {
      error_.message = "Bad directive or wrong number of arguments";
      return false;
    }
    if (depth_ >= max_include_depth) {
      error_.message = "include nested too deeply (does a file include itself?)";
      return false;
    }
    ++depth_;
    bool ok = apply_file(words[1]);
    --depth_;
    return ok;
  }
  if (name == "user") {
    error_.message = apply_default_user(config_, words);
    return error_.message.empty();
  }
  const config_parameter* p = find_config_parameter(name);
  if (!p || (words.size() != 2 && !(p->flags & config_multi_word)) || words.size() < 2) {
    error_.message = "Bad directive or wrong number of arguments";
    return false;
  }
  std::string value;
  for (size_t i = 1; i < words.size(); ++i)
    value += (i > 1 ? " " : "") + words[i];
  // As Redis: the first `save` line replaces the default points, later ones add to them.
  if (p->name == "save") {
    if (save_seen_ && !value.empty() && !config_.save.empty())
      value = config_.save + " " + value;
    save_seen_ = true;
  }
  error_.message = p->set(config_, value);
  return error_.message.empty();
}

}  // namespace credis
