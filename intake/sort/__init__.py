"""Stage 4, assembling and classifying: a mail's documents are paired into QC results
(`assemble`), and the mail gets its one classification with the reason (`classify`)."""
