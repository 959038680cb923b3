/** Herald's version, shown by `--version`, in feeds' generator, NodeInfo and the User-Agent. */
export const VERSION = "0.1.0";
