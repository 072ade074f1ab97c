"""Review stage: what the experts of 资料初审 look for in a registered results report.

After the validators (which decide what goes to the sender) and before
recording, nothing here decides anything: the 初审表 (`sheet`) lays out the
evidence of each step for a person to judge; the copy check (`copies`, with earlier
years' reports from `past`) raises at most the review flag POSSIBLE_COPY. No
deficiency and no reply comes from this stage.
"""
