// A+B checker speaking testlib's protocol directly (no testlib.h):
//   check input output answer [result_file [-appes]]
// exit 0 ok, 1 wrong answer, 2 presentation error (wrong output format), 3 fail.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static int argc_;
static char** argv_;

[[noreturn]] static void finish(int code, const char* outcome, const std::string& message) {
    if (argc_ > 4) {
        FILE* f = std::fopen(argv_[4], "w");
        if (f == nullptr) std::exit(3);
        if (argc_ > 5 && std::strcmp(argv_[5], "-appes") == 0) {
            std::fprintf(f, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            std::fprintf(f, "<result outcome = \"%s\">%s</result>\n", outcome, message.c_str());
        } else {
            std::fprintf(f, "%s", message.c_str());
        }
        std::fclose(f);
    } else {
        std::fprintf(stderr, "%s\n", message.c_str());
    }
    std::exit(code);
}

int main(int argc, char** argv) {
    argc_ = argc;
    argv_ = argv;
    if (argc < 4) finish(3, "fail", "usage: check input output answer [result [-appes]]");
    FILE* answer = std::fopen(argv[3], "r");
    long long expected = 0;
    if (answer == nullptr || std::fscanf(answer, "%lld", &expected) != 1)
        finish(3, "fail", "cannot read the answer file");
    FILE* output = std::fopen(argv[2], "r");
    long long found = 0;
    if (output == nullptr || std::fscanf(output, "%lld", &found) != 1)
        finish(2, "presentation-error", "expected an integer");
    char extra[2];
    if (std::fscanf(output, "%1s", extra) == 1)
        finish(2, "presentation-error", "extra information in the output file");
    if (found != expected)
        finish(1, "wrong-answer", "expected " + std::to_string(expected) + ", found " +
                                      std::to_string(found));
    finish(0, "accepted", "answer is " + std::to_string(found));
}
