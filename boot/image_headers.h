/*
 * The kernel's own ELF headers, loaded with its text (linker.ld): the copy
 * a reader of memory sees.  image_headers_setup, before the text is mapped
 * read-only, makes that copy describe the image as it runs.
 */
#ifndef BOOT_IMAGE_HEADERS_H
#define BOOT_IMAGE_HEADERS_H

/* Mark the head's PT_LOAD (the one linked below the higher half) PT_NULL
 * in the loaded copy of the program headers; the file is not touched. */
void image_headers_setup(void);

#endif
