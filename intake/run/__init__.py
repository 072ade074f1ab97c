"""The orchestration: the stages in order (`pipeline`), ahead in worker processes
(`prepare`), one poll of the mailbox (`poll`) and the long-running service (`service`).
It sits above the replies and reports (`notifier`), which it calls after recording."""
