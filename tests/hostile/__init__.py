"""The hostile-registry suite: every item of the safety issue, against a real registry behind
the fault proxy, or a fake registry where the real one cannot misbehave."""
