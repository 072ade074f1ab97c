"""Stage 1, fetch: mail comes in (the IMAP mailbox is `intake.mailbox`, files and mboxes
`sources`) and is archived raw before anything else happens (`archive`)."""
