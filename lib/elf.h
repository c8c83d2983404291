/*
 * The ELF format, once: the structures and numbers of the System V gABI
 * and the x86-64 psABI that this kernel reads or writes.  Three readers
 * and writers share them: the kexec image loader (ELF32/ELF64
 * executables), the purgatory relocator (an ELF64 relocatable object) and
 * kdump (ELF64 core files and their notes).  Names as in Linux's
 * include/uapi/linux/elf.h and glibc's <elf.h>, so the code reads the same.
 * A file in memory may be unaligned: copy a structure out before reading it.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include "lib/types.h"

/* e_ident (gABI "ELF Identification") */
#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define ELFMAG "\177ELF"
#define SELFMAG 4
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1		/* little endian */
#define EV_CURRENT 1
#define ELFOSABI_NONE 0

/* e_type, e_machine */
#define ET_REL 1
#define ET_EXEC 2
#define ET_CORE 4
#define EM_386 3
#define EM_X86_64 62

/* Program headers: p_type, p_flags; e_phnum at or above PN_XNUM needs
 * section 0 to hold the real count (cores with very many PT_LOADs). */
#define PT_NULL 0
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 0x1
#define PF_W 0x2
#define PF_R 0x4
#define PN_XNUM 0xffff

/* Sections: sh_type, sh_flags, special indexes */
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_RELA 4
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHF_WRITE 0x1
#define SHF_ALLOC 0x2
#define SHF_EXECINSTR 0x4
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define SHN_ABS 0xfff1
#define SHN_COMMON 0xfff2

/* Symbols and relocations */
#define STB_LOCAL 0
#define STB_GLOBAL 1
#define ELF64_ST_BIND(info) ((info) >> 4)
#define ELF64_R_SYM(info) ((info) >> 32)
#define ELF64_R_TYPE(info) ((uint32_t)(info))
#define R_X86_64_NONE 0
#define R_X86_64_64 1		/* S + A, 64 bits */
#define R_X86_64_PC32 2		/* S + A - P, 32 bits signed */
#define R_X86_64_PLT32 4	/* L + A - P; L = S without a PLT */
#define R_X86_64_32 10		/* S + A, zero-extended */
#define R_X86_64_32S 11		/* S + A, sign-extended */

/* Note types (in a core file's PT_NOTE) */
#define NT_PRSTATUS 1
#define NT_PRPSINFO 3

typedef struct elf32_hdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} Elf32_Ehdr;

typedef struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
} Elf32_Phdr;

typedef struct elf64_hdr {
	uint8_t e_ident[EI_NIDENT];	/* "\177ELF", class, data, version, OS ABI */
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;		/* file offset of the program headers */
	uint64_t e_shoff;		/* file offset of the section headers */
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} Elf64_Ehdr;

typedef struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;		/* p_flags comes second in ELF64, last in ELF32 */
	uint64_t p_offset;		/* in an elfcorehdr: a physical address */
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} Elf64_Phdr;

typedef struct elf64_shdr {
	uint32_t sh_name;
	uint32_t sh_type;
	uint64_t sh_flags;
	uint64_t sh_addr;
	uint64_t sh_offset;
	uint64_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint64_t sh_addralign;
	uint64_t sh_entsize;
} Elf64_Shdr;

typedef struct elf64_sym {
	uint32_t st_name;
	uint8_t st_info;		/* binding << 4 | type */
	uint8_t st_other;
	uint16_t st_shndx;
	uint64_t st_value;
	uint64_t st_size;
} Elf64_Sym;

typedef struct elf64_rela {
	uint64_t r_offset;
	uint64_t r_info;		/* symbol << 32 | type */
	int64_t r_addend;
} Elf64_Rela;

/* A note: this header, the name (namesz bytes with its NUL, padded to 4),
 * then the descriptor (descsz bytes, padded to 4). */
typedef struct elf64_note {
	uint32_t n_namesz;
	uint32_t n_descsz;
	uint32_t n_type;
} Elf64_Nhdr;

_Static_assert(sizeof(Elf32_Ehdr) == 52, "ELF32 header is 52 bytes");
_Static_assert(sizeof(Elf32_Phdr) == 32, "ELF32 program header is 32 bytes");
_Static_assert(sizeof(Elf64_Ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(Elf64_Phdr) == 56, "ELF64 program header is 56 bytes");
_Static_assert(sizeof(Elf64_Shdr) == 64, "ELF64 section header is 64 bytes");
_Static_assert(sizeof(Elf64_Sym) == 24, "ELF64 symbol is 24 bytes");
_Static_assert(sizeof(Elf64_Rela) == 24, "ELF64 RELA entry is 24 bytes");
_Static_assert(sizeof(Elf64_Nhdr) == 12, "ELF note header is 12 bytes");

#endif
