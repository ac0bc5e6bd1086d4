// Starter code shown for a (problem, language) that has no saved code yet:
// a program that reads standard input and writes standard output.

const TEMPLATES = {
  python3: "import sys\n\n\ndef main():\n    data = sys.stdin.read().split()\n    \n\n\nmain()\n",
  pypy3: "import sys\n\n\ndef main():\n    data = sys.stdin.read().split()\n    \n\n\nmain()\n",
  c: "#include <stdio.h>\n\nint main(void) {\n    \n    return 0;\n}\n",
  cpp: "#include <bits/stdc++.h>\nusing namespace std;\n\nint main() {\n    ios::sync_with_stdio(false);\n    cin.tie(nullptr);\n    \n    return 0;\n}\n",
  java:
    "import java.util.*;\nimport java.io.*;\n\npublic class Main {\n    public static void main(String[] args) throws IOException {\n        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));\n        \n    }\n}\n",
  javascript:
    "const lines = require(\"fs\").readFileSync(0, \"utf8\").split(\"\\n\");\n\n",
  rust:
    "use std::io::{self, Read};\n\nfn main() {\n    let mut input = String::new();\n    io::stdin().read_to_string(&mut input).unwrap();\n    \n}\n",
  go: "package main\n\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tin := bufio.NewReader(os.Stdin)\n\t_ = in\n\tfmt.Println()\n}\n",
  kotlin: "fun main() {\n    val line = readLine()!!\n    \n}\n",
  haskell: "main :: IO ()\nmain = do\n  input <- getContents\n  print (length (lines input))\n",
  ruby: "data = STDIN.read.split\n\n",
  pascal: "program Main;\nvar\n  n: Int64;\nbegin\n  ReadLn(n);\n  WriteLn(n);\nend.\n",
  csharp:
    "using System;\n\nclass Program {\n    static void Main() {\n        var line = Console.ReadLine();\n        \n    }\n}\n",
};

/** Starter code for a language id from GET /languages ("" for an unknown id). */
export function starterCode(languageId) {
  return TEMPLATES[languageId] ?? "";
}
