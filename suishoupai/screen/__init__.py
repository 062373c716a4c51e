"""The command-centre wall screen (大屏): its read-only tokens and the one answer it polls."""
