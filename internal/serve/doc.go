// Package serve is `neurona serve`: a small local web app over a folder of
// runs. It lists the runs as they start and finish, shows a run's
// configuration, summary and learning curves (updated while it trains),
// its confusion matrix, per-class precision and recall and misclassified
// digits once they exist, and a drawing pad whose digit the run's model
// predicts as it is drawn.
//
// The pages are static files embedded in the binary (assets/); they read
// a JSON API:
//
//	GET  /api/runs                      the runs, newest first
//	GET  /api/runs/{run}                one run: status, configuration, summary
//	GET  /api/runs/{run}/metrics        metrics.jsonl as a JSON array (ETag)
//	GET  /api/runs/{run}/evaluation     precision and recall per class (finished runs)
//	GET  /api/runs/{run}/files/{name}   confusion.png, misclassified.png, curves.png
//	POST /api/runs/{run}/predict        a PNG body: the model's prediction
//
// A Server serves only what lies under its folder and never writes there:
// run names are single path elements, runs that are symbolic links are
// neither listed nor served, and every file of a run is opened through an
// os.Root, which refuses to leave the run's folder. Request bodies and
// images are bounded before they are decoded, every error is a 4xx or 5xx
// with a JSON body {"error": "..."}, and a panic in a handler is a 500.
// Each run's model is loaded once, on the first request that needs it, and
// again when the run's tested checkpoint changes; calls into a model are
// serialized.
//
// Usage (internal/cli's serve command does this):
//
//	s, err := serve.New(serve.Options{Dir: "runs", Load: load})
//	...
//	ln, err := net.Listen("tcp", "127.0.0.1:8080")
//	...
//	err = s.Serve(ctx, ln) // until ctx is cancelled
package serve
