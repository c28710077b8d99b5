"""What is inside an image's layers, read from the registry as they stream: no disk, no docker.

entries   one file of a layer or of the merged filesystem; tar names made safe paths
tarwalk   the sync side, on a worker thread: gunzip / zstd / plain tar, header by header
stream    the async side: a layer blob streamed into the walker, verified, stopped early
merge     layers applied in order (whiteouts, opaque directories) and the wasted bytes
diff      two images compared: config, layers, history, sizes and files
"""
