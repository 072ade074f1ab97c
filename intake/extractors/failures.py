"""Why a file could not be read, when the fault is ours and not the sender's.

Validators send such a document to a person instead of back to its sender.
"""

INTERNAL_FAILURE = "文件暂时无法自动读取，已转秘书处人工查看"
