package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// completions runs cobra's hidden `__complete` command, which the shell
// scripts call, and returns the words it offers (descriptions cut off) and
// its directive line.
func completions(t *testing.T, args ...string) (words []string, directive string) {
	t.Helper()
	code, stdout, _ := cliRun(append([]string{"__complete"}, args...)...)
	if code != ExitOK {
		t.Fatalf("__complete %q: exit code %d", args, code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for _, l := range lines[:len(lines)-1] {
		word, _, _ := strings.Cut(l, "\t")
		words = append(words, word)
	}
	return words, lines[len(lines)-1]
}

func TestCompletionsCobraComputes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // among the words offered
		not  []string // not among them
	}{
		{"subcommands", []string{""}, []string{"train", "eval", "checkpoints", "completion", "help"}, []string{"__complete"}},
		{"subcommands by prefix", []string{"ch"}, []string{"checkpoints"}, []string{"train"}},
		{"a group's subcommands", []string{"checkpoints", ""}, []string{"list", "inspect", "verify", "prune"}, nil},
		{"train's flags", []string{"train", "--ba"}, []string{"--batch-size", "--backend"}, []string{"--no-restore-best"}},
		{"--model", []string{"train", "--model", ""}, models.Names(), nil},
		{"--model=", []string{"train", "--model="}, models.Names(), nil},
		{"--activation", []string{"train", "--activation", ""}, models.Activations, nil},
		{"--loss", []string{"train", "--loss", ""}, models.Losses, nil},
		{"--optimizer", []string{"train", "--optimizer", ""}, config.Optimizers, nil},
		{"--schedule", []string{"train", "--schedule", ""}, config.Schedules, nil},
		{"--backend", []string{"train", "--backend", ""}, []string{"go", "xla:cuda", "xla:cpu"}, nil},
		{"--loop", []string{"train", "--loop", ""}, config.Loops, nil},
		{"--progress", []string{"train", "--progress", ""}, []string{"auto", "always", "never"}, nil},
		{"--print-config=", []string{"train", "--print-config="}, []string{"yaml", "json"}, nil},
		{"eval's --backend", []string{"eval", "runs/x", "--backend", ""}, []string{"go"}, nil},
		{"bench's models and backends", []string{"bench", "--backends", ""}, []string{"go"}, nil},
		{"the shells", []string{"completion", ""}, []string{"bash", "zsh", "fish"}, nil},
		{"help's commands", []string{"help", ""}, []string{"train", "checkpoints"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			words, directive := completions(t, tt.args...)
			for _, w := range tt.want {
				if !slices.Contains(words, w) {
					t.Errorf("__complete %q offers %q, not %q (%s)", tt.args, words, w, directive)
				}
			}
			for _, w := range tt.not {
				if slices.Contains(words, w) {
					t.Errorf("__complete %q offers %q", tt.args, w)
				}
			}
		})
	}
	t.Run("--data-dir completes folders", func(t *testing.T) {
		if _, directive := completions(t, "train", "--data-dir", ""); directive != ":16" { // ShellCompDirectiveFilterDirs
			t.Errorf("directive %s, want :16 (folders)", directive)
		}
	})
}

// bashShim stands in for the bash-completion package (not installed
// everywhere), whose _get_comp_words_by_ref the script calls; compopt only
// works while bash itself completes.
const bashShim = `
_get_comp_words_by_ref() {
  while [[ $1 == -* ]]; do shift 2; done
  cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
  words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
}
compopt() { :; }
`

// TestBashCompletion loads `neurona completion bash` into bash and
// completes command lines the way bash does on Tab, with this test binary
// as neurona on $PATH.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	code, script, stderr := cliRun("completion", "bash")
	if code != ExitOK || stderr != "" || !strings.Contains(script, "__start_neurona") {
		t.Fatalf("completion bash: exit code %d, stderr %q", code, stderr)
	}
	scriptPath := filepath.Join(dir, "neurona.bash")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := "#!/bin/sh\n" + testMainEnv + "=1 exec '" + self + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "neurona"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Run("the script loads without error and registers the function", func(t *testing.T) {
		out, err := exec.Command(bash, "-c", bashShim+"set -e; source "+scriptPath+"; complete -p neurona").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "-F __start_neurona neurona") {
			t.Errorf("source: %v\n%s", err, out)
		}
	})
	tests := []struct {
		name  string
		words []string // the command line, the last word being completed
		want  []string // COMPREPLY, in any order
	}{
		{"a subcommand", []string{"neurona", "tr"}, []string{"train"}},
		{"a subcommand of a group", []string{"neurona", "checkpoints", "pr"}, []string{"prune"}},
		{"a flag", []string{"neurona", "train", "--batch-s"}, []string{"--batch-size"}},
		{"the models", []string{"neurona", "train", "--model", ""}, []string{"mlp", "perceptron"}},
		{"a model by prefix", []string{"neurona", "train", "--model", "per"}, []string{"perceptron"}},
		{"an activation", []string{"neurona", "train", "--activation", "leak"}, []string{"leaky_relu"}},
		{"a loss", []string{"neurona", "train", "--loss", "sig"}, []string{"sigmoid_bce"}},
		{"an optimizer", []string{"neurona", "train", "--optimizer", "adamw"}, []string{"adamw"}},
		{"a schedule", []string{"neurona", "train", "--schedule", "cos"}, []string{"cosine"}},
		{"a backend", []string{"neurona", "eval", "runs/x", "--backend", "g"}, []string{"go"}},
		{"a shell", []string{"neurona", "completion", "z"}, []string{"zsh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var quoted []string
			for _, w := range tt.words {
				quoted = append(quoted, "'"+w+"'")
			}
			line := strings.Join(tt.words, " ")
			cmd := exec.Command(bash, "-c", bashShim+"source "+scriptPath+"\n"+
				"COMP_WORDS=("+strings.Join(quoted, " ")+"); COMP_CWORD="+strconv.Itoa(len(tt.words)-1)+
				"; COMP_LINE='"+line+"'; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9\n"+
				"__start_neurona; printf '%s\\n' \"${COMPREPLY[@]}\"")
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			got := strings.Fields(string(out))
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("completing %q gives %q, want %q", line, got, want)
			}
		})
	}
}

func TestZshAndFishCompletion(t *testing.T) {
	for shell, want := range map[string]string{"zsh": "#compdef neurona", "fish": "complete -c neurona"} {
		code, script, stderr := cliRun("completion", shell)
		if code != ExitOK || stderr != "" || !strings.Contains(script, want) || !strings.Contains(script, "__complete") {
			t.Errorf("completion %s: exit code %d, stderr %q, script without %q", shell, code, stderr, want)
		}
		if path, err := exec.LookPath(shell); err == nil {
			f := filepath.Join(t.TempDir(), "neurona."+shell)
			if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(path, "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		}
	}
}
