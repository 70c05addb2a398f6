"""Architecture: serverless functions in numbers, event-driven styles, streams with watermarks.

* :mod:`course.architecture.prices` — dated, labelled price sheets (AWS Lambda's published
  request and GB-second prices) and the limits the provider documents;
* :mod:`course.architecture.serverless` — cost per invocation against an always-on server, the
  break-even request rate, provisioned concurrency, concurrency by Little's law and the limit,
  the execution time limit;
* :mod:`course.architecture.coldstarts` — cold starts as a distribution: a seeded simulation of
  warm pools with a keep-alive, and what cold starts do to p99 under three traffic shapes;
* :mod:`course.architecture.styles` — event notification, event-carried state transfer and event
  sourcing: what each consumer must call back for and what each message carries;
* :mod:`course.architecture.streaming` — a small seeded stream with event time and arrival time,
  tumbling windows, a watermark with allowed lateness, late events counted;
* :mod:`course.architecture.lambda_kappa` — a batch layer (exact), a speed layer (watermarked) and
  a serving layer that merges them, beside one streaming path (kappa) that replays the log.

Taught in: Ep19 · 1-foundations.
"""
