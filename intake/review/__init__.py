"""Review stage: what the experts of 资料初审 look for in a registered results report.

After the validators (which decide what goes to the sender) and before
recording, nothing here decides anything: the 初审表 (`sheet`) lays out the
evidence of each step for a person to judge; no finding and no reply comes from it.
"""
