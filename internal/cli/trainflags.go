package cli

import (
	"github.com/neurona/neurona/train/config"
	"github.com/spf13/pflag"
)

// defineTrainFlags defines train's flags in fs, reading into o: one per
// field of the configuration (config.Fields), group by group, and the
// flags that say where the data and the run folder are and how to run.
func defineTrainFlags(fs *pflag.FlagSet, o *trainOptions) {
	fs.SortFlags = false
	o.cfg = flagDefaults()
	c := &o.cfg
	// train's own flags, listed among the fields: before a group's, after
	// a field, after a group's.
	before := map[string]func(){
		config.GroupData: func() {
			fs.StringVar(&o.data.DataDir, "data-dir", "", "data folder in MNIST's format: its four IDX files and optionally classes.txt (default: $NEURONA_DATA, the GoMNIST module copy, then the download cache)")
			classesFlag(fs, &o.classes)
			fs.BoolVar(&o.download, "download", true, "download MNIST into the cache folder if it is found nowhere else")
			setFlagGroup(fs, config.GroupData, "data-dir", "classes", "download")
			setSweep(fs, sweepFixed, "data-dir", "classes", "download")
			setNotConfig(fs, "data-dir", "download")
		},
		config.GroupRunFolder: func() {
			fs.StringVar(&c.RunDir, "run-dir", "", "folder for the run's files (default runs/<model>-<timestamp>, with -2, -3... if taken)")
			fs.StringVar(&o.resume, "resume", "", "continue the run in this run folder (from its newest valid checkpoint) or from this checkpoint folder")
			setFlagGroup(fs, config.GroupRunFolder, "run-dir", "resume")
			setSweep(fs, sweepNever, "run-dir", "resume")
			setNotConfig(fs, "resume")
		},
		config.GroupPerformance: func() {
			fs.StringVar(&c.Backend, "backend", "", "compute backend: go, xla:cuda, xla:cpu (default: $GOMLX_BACKEND, else the best available; see neurona backends)")
			setFlagGroup(fs, config.GroupPerformance, "backend")
			setSweep(fs, sweepFixed, "backend")
			setNotConfig(fs, "backend")
		},
	}
	after := map[string]func(){
		config.GroupStopping: func() {
			fs.BoolVar(&o.noRestoreBest, "no-restore-best", false, "the old spelling of --restore-best=false")
			if err := fs.MarkHidden("no-restore-best"); err != nil {
				panic(err)
			}
		},
		config.GroupPerformance: func() {
			compileCacheFlag(fs, &o.cache)
			setFlagGroup(fs, config.GroupPerformance, "compile-cache")
			setNotConfig(fs, "compile-cache")
		},
	}
	afterField := map[string]func(){
		"seed": func() {
			fs.StringVar(&o.seedsText, "seeds", "", "train the recipe once per seed, comma-separated (1,2,3,4,5), in one program where they can share one, and report the test accuracy's mean and spread; each seed's run folder is seed-N under --run-dir (default: a new runs/<model>-<timestamp>)")
			setFlagGroup(fs, config.GroupOptimization, "seeds")
			setSweep(fs, sweepNever, "seeds")
			setNotConfig(fs, "seeds")
		},
		"loop": func() {
			fs.StringVar(&o.onDevice, "data-on-device", "auto", "keep the training data on the device and gather batches there: auto (on for every backend but go), on, off")
			setFlagGroup(fs, config.GroupPerformance, "data-on-device")
			setNotConfig(fs, "data-on-device")
		},
	}
	for _, group := range config.Groups {
		if define := before[group]; define != nil {
			define()
		}
		for i := range config.Fields {
			if f := &config.Fields[i]; f.Group == group {
				defineField(fs, f, c)
				setFlagGroup(fs, group, f.Key)
				if define := afterField[f.Key]; define != nil {
					define()
				}
			}
		}
		if define := after[group]; define != nil {
			define()
		}
	}

	fs.Var(&configPath{path: &o.configFile}, "config", "read flags from this YAML or JSON file (keys are flag names: batch-size: 64); flags given on the command line win")
	fs.StringVar(&o.printConfig, "print-config", "", "print the effective configuration (yaml, or json; default: the --config file's format, else yaml) and exit without training")
	fs.Lookup("print-config").NoOptDefVal = "auto"
	if err := fs.SetAnnotation("print-config", annotationValues, []string{"yaml", "json"}); err != nil {
		panic(err)
	}
	fs.StringVar(&o.progress, "progress", "auto", "progress bar within epochs: auto (when stdout is a terminal), always, never")
	setFlagGroup(fs, "Configuration and output", "config", "print-config", "progress")
	setSweep(fs, sweepFixed, "config", "progress")
	setSweep(fs, sweepNever, "print-config")
	setNotConfig(fs, "config", "progress")
	o.flags = fs
}
